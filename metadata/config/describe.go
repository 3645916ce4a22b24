package config

import "strconv"

// Source is where a config value comes from, numbered as the ConfigSource
// of Kafka's DescribeConfigs response.
type Source int8

// Kafka's config sources. Skiff produces DynamicTopicConfig,
// StaticBrokerConfig and DefaultConfig; the dynamic broker sources exist for
// the API edge's sake.
const (
	SourceUnknown                    Source = 0
	SourceDynamicTopicConfig         Source = 1
	SourceDynamicBrokerConfig        Source = 2
	SourceDynamicDefaultBrokerConfig Source = 3
	SourceStaticBrokerConfig         Source = 4
	SourceDefaultConfig              Source = 5
)

var sourceNames = [...]string{
	"UNKNOWN", "DYNAMIC_TOPIC_CONFIG", "DYNAMIC_BROKER_CONFIG",
	"DYNAMIC_DEFAULT_BROKER_CONFIG", "STATIC_BROKER_CONFIG", "DEFAULT_CONFIG",
}

func (s Source) String() string {
	if s < 0 || int(s) >= len(sourceNames) {
		return "Source(" + strconv.Itoa(int(s)) + ")"
	}
	return sourceNames[s]
}

// Synonym is one place a described value could come from, highest
// precedence first, as in DescribeConfigs with IncludeSynonyms.
type Synonym struct {
	Name   string
	Value  *string // nil for sensitive keys
	Source Source
}

// Entry is one config as DescribeConfigs reports it.
type Entry struct {
	Name      string
	Value     *string // nil when the key has no value or is sensitive
	Source    Source
	Sensitive bool
	ReadOnly  bool
	Synonyms  []Synonym
	Type      Type
	Doc       string
}

// DescribeTopic returns every topic config of a topic, sorted by name, as
// Kafka's DescribeConfigs does: the value the topic runs with, its source
// (DYNAMIC_TOPIC_CONFIG for an override, STATIC_BROKER_CONFIG for a broker
// synonym set in the node's configuration, DEFAULT_CONFIG otherwise) and the
// synonyms that could supply it: the override, then the broker synonyms set
// statically, then the broker synonyms' defaults. overrides are the topic's
// stored configs; brokerStatic the broker keys the node was started with.
func DescribeTopic(overrides, brokerStatic map[string]string) []Entry {
	defs := TopicDefs()
	out := make([]Entry, 0, len(defs))
	for _, d := range defs {
		r := resolveTopic(d, overrides, brokerStatic)
		e := Entry{
			Name: d.Name, Source: r.source, Sensitive: d.Sensitive, ReadOnly: d.ReadOnly,
			Synonyms: r.synonyms, Type: d.Type, Doc: d.Doc,
		}
		if !d.Sensitive {
			e.Value = ptr(r.value)
		}
		out = append(out, e)
	}
	return out
}

// DescribeBroker returns every broker config, sorted by name: the static
// value when the node's configuration sets it (STATIC_BROKER_CONFIG),
// otherwise the default (DEFAULT_CONFIG; nil for keys without one).
// Sensitive values are nil. Synonyms list the static value and the default.
func DescribeBroker(brokerStatic map[string]string) []Entry {
	defs := BrokerDefs()
	out := make([]Entry, 0, len(defs))
	for _, d := range defs {
		e := Entry{
			Name: d.Name, Source: SourceDefaultConfig, Sensitive: d.Sensitive,
			ReadOnly: d.ReadOnly, Type: d.Type, Doc: d.Doc,
		}
		if raw, ok := brokerStatic[d.Name]; ok {
			value := raw
			if c, err := d.Canonical(raw); err == nil {
				value = c
			}
			e.Value, e.Source = ptr(value), SourceStaticBrokerConfig
			e.Synonyms = append(e.Synonyms, Synonym{Name: d.Name, Value: ptr(raw), Source: SourceStaticBrokerConfig})
		} else if d.HasDefault {
			e.Value = ptr(d.Default)
		}
		if d.HasDefault {
			e.Synonyms = append(e.Synonyms, Synonym{Name: d.Name, Value: ptr(d.Default), Source: SourceDefaultConfig})
		}
		if d.Sensitive {
			e.Value = nil
			for i := range e.Synonyms {
				e.Synonyms[i].Value = nil
			}
		}
		out = append(out, e)
	}
	return out
}

// resolved is a topic config's value with where it came from.
type resolved struct {
	value    string // canonical
	source   Source
	found    bool
	synonyms []Synonym
}

func (r *resolved) use(value string, source Source) {
	if !r.found {
		r.value, r.source, r.found = value, source, true
	}
}

// resolveTopic finds the value a topic runs with for d: the override, else
// the first broker synonym set statically, else the first broker synonym
// with a default, else d's own default. A value that does not pass d's
// validation (after unit conversion) is skipped, so a bad stored value can
// never stop a partition; values are validated before they are stored.
func resolveTopic(d Def, overrides, brokerStatic map[string]string) resolved {
	var r resolved
	if raw, ok := overrides[d.Name]; ok {
		if c, err := d.Canonical(raw); err == nil {
			r.use(c, SourceDynamicTopicConfig)
			r.synonyms = append(r.synonyms, Synonym{Name: d.Name, Value: ptr(c), Source: SourceDynamicTopicConfig})
		}
	}
	for _, s := range d.synonyms {
		if raw, ok := brokerStatic[s.Name]; ok {
			r.synonyms = append(r.synonyms, Synonym{Name: s.Name, Value: ptr(raw), Source: SourceStaticBrokerConfig})
			if c, ok := fromSynonym(d, s, raw); ok {
				r.use(c, SourceStaticBrokerConfig)
			}
		}
	}
	for _, s := range d.synonyms {
		if bd := brokerDefs[s.Name]; bd.HasDefault {
			r.synonyms = append(r.synonyms, Synonym{Name: s.Name, Value: ptr(bd.Default), Source: SourceDefaultConfig})
			if c, ok := fromSynonym(d, s, bd.Default); ok {
				r.use(c, SourceDefaultConfig)
			}
		}
	}
	if c, err := d.Canonical(d.Default); err == nil {
		r.use(c, SourceDefaultConfig)
	}
	if d.Sensitive {
		for i := range r.synonyms {
			r.synonyms[i].Value = nil
		}
	}
	return r
}

// fromSynonym converts a broker synonym's raw value into the topic key's
// canonical value, or reports false if it does not parse or is out of the
// topic key's range.
func fromSynonym(d Def, s BrokerSynonym, raw string) (string, bool) {
	bd, ok := brokerDefs[s.Name]
	if !ok {
		return "", false
	}
	v, err := bd.Parse(raw)
	if err != nil {
		return "", false
	}
	text := v.String()
	if s.Unit != UnitSame {
		ms := v.n * 60_000
		if s.Unit == UnitHoursToMs {
			ms = v.n * 3_600_000
		}
		text = strconv.FormatInt(ms, 10)
	}
	// Kafka treats any negative broker retention time as "forever".
	if d.Name == "retention.ms" && len(text) > 0 && text[0] == '-' {
		text = "-1"
	}
	c, err := d.Canonical(text)
	return c, err == nil
}

func ptr(s string) *string { return &s }

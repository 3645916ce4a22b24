package config

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Type is a config value's type, numbered as the ConfigType field of
// Kafka's DescribeConfigs response so the API edge can send it unchanged.
type Type int8

// The types Kafka's ConfigDef defines.
const (
	TypeUnknown  Type = 0
	TypeBoolean  Type = 1
	TypeString   Type = 2
	TypeInt      Type = 3
	TypeShort    Type = 4
	TypeLong     Type = 5
	TypeDouble   Type = 6
	TypeList     Type = 7
	TypeClass    Type = 8
	TypePassword Type = 9
)

var typeNames = [...]string{"unknown", "boolean", "string", "int", "short", "long", "double", "list", "class", "password"}

func (t Type) String() string {
	if t < 0 || int(t) >= len(typeNames) {
		return fmt.Sprintf("type(%d)", int8(t))
	}
	return typeNames[t]
}

// Unit says how a broker synonym's value converts to the unit of the topic
// config it supplies: log.retention.hours=1 supplies retention.ms=3600000.
type Unit int8

// The conversions Kafka's synonyms need.
const (
	UnitSame Unit = iota
	UnitMinutesToMs
	UnitHoursToMs
)

// BrokerSynonym is a broker key that supplies a topic config's default.
type BrokerSynonym struct {
	Name string
	Unit Unit
}

// Def describes one config key. The zero Def is not a valid key; get one
// from TopicDef, BrokerDef, TopicDefs or BrokerDefs.
type Def struct {
	Name string
	Type Type
	// Default is the value used when nothing sets the key, formatted as
	// Kafka prints it. Meaningless unless HasDefault (Kafka's null default).
	Default    string
	HasDefault bool
	Doc        string
	// Sensitive values (passwords) are never returned by Describe or
	// echoed in errors.
	Sensitive bool
	// ReadOnly is DescribeConfigs' read_only: true for broker keys, since
	// Skiff reads its broker configuration once at start.
	ReadOnly bool
	// Unused, when not empty, says why Skiff accepts the key but does not
	// act on it (Kafka's thread pools, replication throttles, tiered
	// storage). The server logs it as a warning when the key is set.
	Unused string

	check    check
	synonyms []BrokerSynonym
}

// BrokerSynonyms returns, for a topic key, the broker keys that supply its
// default in Kafka's order of precedence (nil for broker keys and for topic
// keys with no broker default).
func (d Def) BrokerSynonyms() []BrokerSynonym { return slices.Clone(d.synonyms) }

// Validate reports whether value is acceptable for the key: it must parse as
// the key's type (with Kafka's trimming rules) and pass the key's range or
// set check. The error is an *InvalidValueError naming key, value and why.
func (d Def) Validate(value string) error {
	_, err := d.Parse(value)
	return err
}

// Parse converts value to the key's type and checks it as Validate does.
func (d Def) Parse(value string) (Value, error) {
	v, err := parseAs(d.Type, value)
	if err == nil && d.check != nil {
		err = d.check(v)
	}
	if err != nil {
		shown := value
		if d.Sensitive {
			shown = hiddenValue
		}
		return Value{}, &InvalidValueError{Key: d.Name, Value: shown, Reason: err.Error()}
	}
	return v, nil
}

// Canonical returns value as Kafka prints a parsed value (trimmed, lists
// joined with ",", doubles as Java prints them), or an error as Validate.
func (d Def) Canonical(value string) (string, error) {
	v, err := d.Parse(value)
	if err != nil {
		return "", err
	}
	return v.String(), nil
}

// Value is a config value converted to its key's type. Only the accessor
// for the type is meaningful; the others return zero values.
type Value struct {
	typ Type
	b   bool
	n   int64   // int, short, long
	f   float64 // double
	s   string  // string, class, password
	// list is a list value
	list []string
}

// Type is the type the value was parsed as.
func (v Value) Type() Type { return v.typ }

// Bool is a boolean value.
func (v Value) Bool() bool { return v.b }

// Int is an int, short or long value.
func (v Value) Int() int64 { return v.n }

// Float is a double value.
func (v Value) Float() float64 { return v.f }

// List is a list value (a copy).
func (v Value) List() []string { return slices.Clone(v.list) }

// String is the value as Kafka prints it; for string, class and password
// values, the value itself.
func (v Value) String() string {
	switch v.typ {
	case TypeBoolean:
		return strconv.FormatBool(v.b)
	case TypeInt, TypeShort, TypeLong:
		return strconv.FormatInt(v.n, 10)
	case TypeDouble:
		return javaDouble(v.f)
	case TypeList:
		return strings.Join(v.list, ",")
	default:
		return v.s
	}
}

// listSeparator is Kafka's list separator: a comma with any whitespace.
var listSeparator = regexp.MustCompile(`\s*,\s*`)

// parseAs converts value as Kafka's ConfigDef.parseType does: everything but
// passwords is trimmed, booleans are case-insensitive, an empty list is "".
func parseAs(t Type, value string) (Value, error) {
	v := Value{typ: t}
	trimmed := strings.TrimSpace(value)
	var err error
	switch t {
	case TypeBoolean:
		switch strings.ToLower(trimmed) {
		case "true":
			v.b = true
		case "false":
		default:
			err = fmt.Errorf("expected true or false")
		}
	case TypeInt:
		v.n, err = parseInteger(trimmed, 32)
	case TypeShort:
		v.n, err = parseInteger(trimmed, 16)
	case TypeLong:
		v.n, err = parseInteger(trimmed, 64)
	case TypeDouble:
		v.f, err = strconv.ParseFloat(trimmed, 64)
		if err != nil || math.IsNaN(v.f) {
			err = fmt.Errorf("expected a number")
		}
	case TypeList:
		if trimmed != "" {
			v.list = listSeparator.Split(trimmed, -1)
		}
	case TypePassword:
		v.s = value
	default:
		v.s = trimmed
	}
	return v, err
}

func parseInteger(s string, bits int) (int64, error) {
	n, err := strconv.ParseInt(s, 10, bits)
	if err != nil {
		return 0, fmt.Errorf("expected a %d-bit integer", bits)
	}
	return n, nil
}

// javaDouble formats f as Java's Double.toString, which is how Kafka prints
// double configs ("0.5", "1.0", "1.7976931348623157E308").
func javaDouble(f float64) string {
	if math.IsInf(f, 0) {
		if f > 0 {
			return "Infinity"
		}
		return "-Infinity"
	}
	abs := math.Abs(f)
	if f == 0 || (abs >= 1e-3 && abs < 1e7) {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'E', -1, 64)
	mantissa, exp, _ := strings.Cut(s, "E")
	if !strings.Contains(mantissa, ".") {
		mantissa += ".0"
	}
	expN, _ := strconv.Atoi(exp)
	return mantissa + "E" + strconv.Itoa(expN)
}

// The catalogue: built once from the tables in topic_defs.go and
// broker_*.go, never modified.
var (
	topicDefs  = indexDefs(topicDefList(), false)
	brokerDefs = indexDefs(brokerDefList(), true)
)

func indexDefs(list []Def, readOnly bool) map[string]Def {
	m := make(map[string]Def, len(list))
	for _, d := range list {
		if _, dup := m[d.Name]; dup {
			panic("config: duplicate key in catalogue: " + d.Name)
		}
		d.ReadOnly = readOnly
		m[d.Name] = d
	}
	return m
}

// TopicDef returns the topic config named name.
func TopicDef(name string) (Def, bool) {
	d, ok := topicDefs[name]
	return d, ok
}

// BrokerDef returns the broker config named name.
func BrokerDef(name string) (Def, bool) {
	d, ok := brokerDefs[name]
	return d, ok
}

// TopicDefs returns every topic config, sorted by name.
func TopicDefs() []Def { return sortedDefs(topicDefs) }

// BrokerDefs returns every broker config, sorted by name.
func BrokerDefs() []Def { return sortedDefs(brokerDefs) }

func sortedDefs(m map[string]Def) []Def {
	out := make([]Def, 0, len(m))
	for _, d := range m {
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b Def) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// ValidateTopicConfig checks one topic config as CreateTopics or
// AlterConfigs carries it: an unknown key is an *UnknownKeyError, a nil
// value (delete the override) is valid for any known key, and a set value
// must pass Def.Validate.
func ValidateTopicConfig(name string, value *string) error {
	d, ok := topicDefs[name]
	if !ok {
		return &UnknownKeyError{Key: name, Scope: ScopeTopic}
	}
	if value == nil {
		return nil
	}
	return d.Validate(*value)
}

// ValidateBrokerConfig checks one broker config: unknown keys are an
// *UnknownKeyError, values must pass Def.Validate.
func ValidateBrokerConfig(name, value string) error {
	d, ok := brokerDefs[name]
	if !ok {
		return &UnknownKeyError{Key: name, Scope: ScopeBroker}
	}
	return d.Validate(value)
}

// ValidateTopicConfigs checks a topic's complete set of overrides: each key
// as ValidateTopicConfig, then the rules that involve two keys, on the
// values the topic would run with (overrides over brokerStatic over
// defaults). Keys are checked in sorted order so the error is stable.
func ValidateTopicConfigs(overrides, brokerStatic map[string]string) error {
	names := make([]string, 0, len(overrides))
	for name := range overrides {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		value := overrides[name]
		if err := ValidateTopicConfig(name, &value); err != nil {
			return err
		}
	}
	v := EffectiveTopic(overrides, brokerStatic)
	if v.MinCompactionLagMs > v.MaxCompactionLagMs {
		return &ConflictError{
			Key: "min.compaction.lag.ms", Other: "max.compaction.lag.ms",
			Reason: fmt.Sprintf("min.compaction.lag.ms (%d) > max.compaction.lag.ms (%d)",
				v.MinCompactionLagMs, v.MaxCompactionLagMs),
		}
	}
	return nil
}

package controller

import (
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/skiffhq/skiff/metadata/image"
	"github.com/skiffhq/skiff/metadata/record"
)

// CreateTopics (key 19), v0-v7 as kmsg encodes them. One Raft entry per
// created topic: a Topic record, its Config records and its Partition
// records. Response v5+ fields are filled (topic id for v7+ is the one
// created); Configs come from the injected TopicConfigDescriber, else they
// list the topic's overrides only. Not here: CreateTopicPolicy, mutation
// quotas (THROTTLING_QUOTA_EXCEEDED) and authorization.

// configSourceDynamicTopic is Kafka's ConfigSource DYNAMIC_TOPIC_CONFIG.
const configSourceDynamicTopic int8 = 1

// decideCreateTopics validates every topic against img and returns the
// response and one entry per topic to create. With ValidateOnly the
// response is complete and there are no entries.
func decideCreateTopics(img *image.Image, req *kmsg.CreateTopicsRequest, e *env) (*kmsg.CreateTopicsResponse, []entry) {
	resp := kmsg.NewPtrCreateTopicsResponse()
	resp.Version = req.Version
	dups := duplicateNames(req.Topics, func(t kmsg.CreateTopicsRequestTopic) string { return t.Topic })
	tooMany := totalNewPartitions(req.Topics, e.cfg.NumPartitions) > int64(e.cfg.MaxPartitionsPerRequest)
	pending := map[string]string{} // collision key -> name, for topics earlier in this request
	takenIDs := map[record.UUID]bool{}
	var entries []entry
	for _, t := range req.Topics {
		if dups[t.Topic] == dupAnswered {
			continue
		}
		rt := kmsg.NewCreateTopicsResponseTopic()
		rt.Topic = t.Topic
		var err *apiError
		var recs []record.Record
		switch {
		case dups[t.Topic] == dupPending:
			dups[t.Topic] = dupAnswered
			err = errorf(kerr.InvalidRequest, "Duplicate topic name.")
		case tooMany:
			err = errorf(kerr.PolicyViolation, "Excessively large number of partitions per request.")
		default:
			recs, err = planTopic(img, t, e, pending, takenIDs)
		}
		if err != nil {
			rt.ErrorCode, rt.ErrorMessage = err.code(), err.message()
			resp.Topics = append(resp.Topics, rt)
			continue
		}
		fillCreatedTopic(&rt, recs, e.cfg.ConfigDescriber)
		if req.ValidateOnly {
			rt.TopicID = record.ZeroUUID // nothing was created
		}
		resp.Topics = append(resp.Topics, rt)
		if !req.ValidateOnly {
			i := len(resp.Topics) - 1
			entries = append(entries, entry{records: recs, onError: func(err *apiError) {
				failCreatedTopic(&resp.Topics[i], err)
			}})
		}
	}
	return resp, entries
}

const (
	dupPending  = 1 // name appears more than once; answer once with INVALID_REQUEST
	dupAnswered = 2
)

// duplicateNames marks names that appear more than once.
func duplicateNames[T any](items []T, name func(T) string) map[string]int {
	seen := map[string]int{}
	dups := map[string]int{}
	for _, it := range items {
		n := name(it)
		seen[n]++
		if seen[n] == 2 {
			dups[n] = dupPending
		}
	}
	return dups
}

// totalNewPartitions sums what a request asks for, as Kafka's per-request
// cap counts it.
func totalNewPartitions(topics []kmsg.CreateTopicsRequestTopic, defaultPartitions int32) int64 {
	var total int64
	for _, t := range topics {
		switch {
		case len(t.ReplicaAssignment) > 0:
			total += int64(len(t.ReplicaAssignment))
		case t.NumPartitions == -1:
			total += int64(defaultPartitions)
		case t.NumPartitions > 0:
			total += int64(t.NumPartitions)
		}
	}
	return total
}

// planTopic validates one topic in Kafka's order (name, existence,
// collision, configs, partitions and replicas) and returns its records.
func planTopic(img *image.Image, t kmsg.CreateTopicsRequestTopic, e *env, pending map[string]string, takenIDs map[record.UUID]bool) ([]record.Record, *apiError) {
	if msg := validateTopicName(t.Topic); msg != "" {
		return nil, errorf(kerr.InvalidTopicException, "%s", msg)
	}
	if _, ok := img.Topic(t.Topic); ok {
		return nil, errorf(kerr.TopicAlreadyExists, "Topic '%s' already exists.", t.Topic)
	}
	if other, ok := img.CollidingTopic(t.Topic); ok {
		return nil, errorf(kerr.InvalidTopicException, "Topic '%s' collides with existing topic: %s", t.Topic, other)
	}
	key := collisionKey(t.Topic)
	if other, ok := pending[key]; ok {
		return nil, errorf(kerr.InvalidTopicException, "Topic '%s' collides with existing topic: %s", t.Topic, other)
	}
	configs, err := validateNewTopicConfigs(t, e.cfg.ConfigValidator)
	if err != nil {
		return nil, err
	}
	assignments, err := planNewPartitions(img, t, e)
	if err != nil {
		return nil, err
	}
	pending[key] = t.Topic
	id := e.newTopicID(img, takenIDs)
	recs := []record.Record{&record.Topic{Name: t.Topic, TopicID: id}}
	for _, c := range configs {
		recs = append(recs, c)
	}
	return append(recs, newPartitionRecords(img, id, 0, assignments)...), nil
}

// collisionKey is Kafka's collision rule: names equal after '.' → '_'.
func collisionKey(name string) string { return strings.ReplaceAll(name, ".", "_") }

// validateNewTopicConfigs checks a new topic's configs and returns their
// Config records, sorted by name.
func validateNewTopicConfigs(t kmsg.CreateTopicsRequestTopic, v ConfigValidator) ([]*record.Config, *apiError) {
	var recs []*record.Config
	seen := map[string]bool{}
	for _, c := range t.Configs {
		if seen[c.Name] {
			return nil, errorf(kerr.InvalidRequest, "Duplicate config key %s.", c.Name)
		}
		seen[c.Name] = true
		if c.Value == nil {
			return nil, errorf(kerr.InvalidConfig, "Null value not supported for topic configs: %s", c.Name)
		}
		if err := v.ValidateTopicConfig(c.Name, c.Value); err != nil {
			return nil, errorf(kerr.InvalidConfig, "%v", err)
		}
		value := *c.Value
		recs = append(recs, &record.Config{ResourceType: record.ResourceTopic, ResourceName: t.Topic, Name: c.Name, Value: &value})
	}
	slices.SortFunc(recs, func(a, b *record.Config) int { return strings.Compare(a.Name, b.Name) })
	return recs, nil
}

// planNewPartitions returns the replica assignment of a new topic, manual
// or placed.
func planNewPartitions(img *image.Image, t kmsg.CreateTopicsRequestTopic, e *env) ([][]int32, *apiError) {
	if len(t.ReplicaAssignment) > 0 {
		return manualTopicAssignment(img, t)
	}
	rf, n := int(t.ReplicationFactor), int(t.NumPartitions)
	switch {
	case rf < -1 || rf == 0:
		return nil, errorf(kerr.InvalidReplicationFactor, "Replication factor must be larger than 0, or -1 to use the default value.")
	case n < -1 || n == 0:
		return nil, errorf(kerr.InvalidPartitions, "Number of partitions was set to an invalid non-positive value.")
	}
	if rf == -1 {
		rf = int(e.cfg.DefaultReplicationFactor)
	}
	if n == -1 {
		n = int(e.cfg.NumPartitions)
	}
	return placeAutomatically(img, e, 0, n, rf)
}

func manualTopicAssignment(img *image.Image, t kmsg.CreateTopicsRequestTopic) ([][]int32, *apiError) {
	if t.ReplicationFactor != -1 {
		return nil, errorf(kerr.InvalidRequest, "A manual partition assignment was specified, but replication factor was not set to -1.")
	}
	if t.NumPartitions != -1 {
		return nil, errorf(kerr.InvalidRequest, "A manual partition assignment was specified, but numPartitions was not set to -1.")
	}
	out := make([][]int32, len(t.ReplicaAssignment))
	rf := 0
	for _, a := range t.ReplicaAssignment {
		p := a.Partition
		if p < 0 || int(p) >= len(out) {
			return nil, errorf(kerr.InvalidReplicaAssignment, "Partitions should be a consecutive 0-based integer sequence, but partition %d is out of range for %d assignment(s).", p, len(out))
		}
		if out[p] != nil {
			return nil, errorf(kerr.InvalidReplicaAssignment, "Found multiple manual partition assignments for partition %d", p)
		}
		if err := validateManualAssignment(img, p, a.Replicas, rf); err != nil {
			return nil, err
		}
		rf = len(a.Replicas)
		out[p] = slices.Clone(a.Replicas)
	}
	return out, nil
}

// fillCreatedTopic fills a successful response topic from its records.
func fillCreatedTopic(rt *kmsg.CreateTopicsResponseTopic, recs []record.Record, describer TopicConfigDescriber) {
	overrides := map[string]string{}
	rt.NumPartitions = 0
	for _, r := range recs {
		switch r := r.(type) {
		case *record.Topic:
			rt.TopicID = r.TopicID
		case *record.Partition:
			rt.NumPartitions++
			rt.ReplicationFactor = int16(len(r.Replicas))
		case *record.Config:
			overrides[r.Name] = *r.Value
		}
	}
	for _, c := range describeNewTopic(overrides, describer) {
		rc := kmsg.NewCreateTopicsResponseTopicConfig()
		rc.Name, rc.Value, rc.ReadOnly, rc.Source, rc.IsSensitive = c.Name, c.Value, c.ReadOnly, c.Source, c.IsSensitive
		rt.Configs = append(rt.Configs, rc)
	}
}

func describeNewTopic(overrides map[string]string, describer TopicConfigDescriber) []TopicConfigEntry {
	if describer != nil {
		return describer.DescribeNewTopicConfigs(overrides)
	}
	names := make([]string, 0, len(overrides))
	for n := range overrides {
		names = append(names, n)
	}
	slices.Sort(names)
	out := make([]TopicConfigEntry, len(names))
	for i, n := range names {
		v := overrides[n]
		out[i] = TopicConfigEntry{Name: n, Value: &v, Source: configSourceDynamicTopic}
	}
	return out
}

// failCreatedTopic turns a planned topic's response into a failure.
func failCreatedTopic(rt *kmsg.CreateTopicsResponseTopic, err *apiError) {
	fresh := kmsg.NewCreateTopicsResponseTopic()
	fresh.Topic = rt.Topic
	fresh.ErrorCode, fresh.ErrorMessage = err.code(), err.message()
	*rt = fresh
}

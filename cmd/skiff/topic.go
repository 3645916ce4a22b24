package main

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
)

// topicStatus is one row of the TOPIC STATUS tables of create, delete,
// add-partitions and alter-config.
type topicStatus struct {
	Topic string `json:"topic"`
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

// statusOf is "OK" or the Kafka error name (TOPIC_ALREADY_EXISTS), as rpk
// prints it.
func statusOf(err error) string {
	var ke *kerr.Error
	switch {
	case err == nil:
		return "OK"
	case errors.As(err, &ke):
		return ke.Message
	}
	return err.Error()
}

// writeStatuses prints per-topic results and returns the first failure,
// wrapped with what was being done, so main can explain it.
func writeStatuses(w io.Writer, f outputFormat, what string, topics []string, errs []error) error {
	rows := make([]topicStatus, len(topics))
	var first error
	for i, topic := range topics {
		rows[i] = topicStatus{Topic: topic, OK: errs[i] == nil}
		if errs[i] != nil {
			rows[i].Error = errs[i].Error()
			if first == nil {
				first = fmt.Errorf("%s %s: %w", what, topic, errs[i])
			}
		}
	}
	if f == formatJSON {
		if err := writeJSON(w, rows); err != nil {
			return err
		}
		return first
	}
	t := newTable(w, "TOPIC", "STATUS")
	for i, r := range rows {
		t.row(r.Topic, statusOf(errs[i]))
	}
	if err := t.flush(); err != nil {
		return err
	}
	return first
}

// topicCreate creates topics; partitions and replicationFactor -1 take the
// broker's num.partitions and default.replication.factor.
func topicCreate(ctx context.Context, w io.Writer, adm *kadm.Client, f outputFormat,
	names []string, partitions int32, replicationFactor int16, configs map[string]*string) error {
	resps, err := adm.CreateTopics(ctx, partitions, replicationFactor, configs, names...)
	if err != nil {
		return fmt.Errorf("create topics: %w", err)
	}
	errs := make([]error, len(names))
	for i, name := range names {
		r, ok := resps[name]
		if !ok {
			errs[i] = errors.New("no answer for this topic")
			continue
		}
		errs[i] = withBrokerMessage(r.Err, r.ErrMessage)
	}
	return writeStatuses(w, f, "create topic", names, errs)
}

// topicDelete deletes topics.
func topicDelete(ctx context.Context, w io.Writer, adm *kadm.Client, f outputFormat, names []string) error {
	resps, err := adm.DeleteTopics(ctx, names...)
	if err != nil {
		return fmt.Errorf("delete topics: %w", err)
	}
	errs := make([]error, len(names))
	for i, name := range names {
		r, ok := resps[name]
		if !ok {
			errs[i] = errors.New("no answer for this topic")
			continue
		}
		errs[i] = withBrokerMessage(r.Err, r.ErrMessage)
	}
	return writeStatuses(w, f, "delete topic", names, errs)
}

// topicAddPartitions grows a topic to `to` partitions in total.
func topicAddPartitions(ctx context.Context, w io.Writer, adm *kadm.Client, f outputFormat, name string, to int) error {
	resps, err := adm.UpdatePartitions(ctx, to, name)
	if err != nil {
		return fmt.Errorf("add partitions: %w", err)
	}
	r, ok := resps[name]
	if !ok {
		return writeStatuses(w, f, "add partitions to", []string{name}, []error{errors.New("no answer for this topic")})
	}
	return writeStatuses(w, f, "add partitions to", []string{name}, []error{withBrokerMessage(r.Err, r.ErrMessage)})
}

// topicAlterConfig sets and deletes topic config overrides incrementally.
func topicAlterConfig(ctx context.Context, w io.Writer, adm *kadm.Client, f outputFormat,
	name string, set map[string]string, del []string) error {
	if len(set) == 0 && len(del) == 0 {
		return errors.New("nothing to change: give --set key=value or --delete key")
	}
	var alters []kadm.AlterConfig
	for _, k := range sortedKeys(set) {
		v := set[k]
		alters = append(alters, kadm.AlterConfig{Op: kadm.SetConfig, Name: k, Value: &v})
	}
	for _, k := range del {
		alters = append(alters, kadm.AlterConfig{Op: kadm.DeleteConfig, Name: k})
	}
	resps, err := adm.AlterTopicConfigs(ctx, alters, name)
	if err != nil {
		return fmt.Errorf("alter topic config: %w", err)
	}
	result := errors.New("no answer for this topic")
	for _, r := range resps {
		if r.Name == name {
			result = withBrokerMessage(r.Err, r.ErrMessage)
		}
	}
	return writeStatuses(w, f, "alter config of topic", []string{name}, []error{result})
}

// topicListRow is one topic of `topic list`.
type topicListRow struct {
	Name       string `json:"name"`
	Partitions int    `json:"partitions"`
	Replicas   int    `json:"replicas"`
	Internal   bool   `json:"internal,omitempty"`
	Error      string `json:"error,omitempty"`
}

// topicList lists topics (internal ones only when asked).
func topicList(ctx context.Context, w io.Writer, adm *kadm.Client, f outputFormat, internal bool) error {
	list := adm.ListTopics
	if internal {
		list = adm.ListTopicsWithInternal
	}
	topics, err := list(ctx)
	if err != nil {
		return fmt.Errorf("list topics: %w", err)
	}
	rows := []topicListRow{}
	for _, t := range topics.Sorted() {
		row := topicListRow{Name: t.Topic, Partitions: len(t.Partitions), Internal: t.IsInternal}
		if p, ok := t.Partitions[0]; ok {
			row.Replicas = len(p.Replicas)
		}
		if t.Err != nil {
			row.Error = t.Err.Error()
		}
		rows = append(rows, row)
	}
	if f == formatJSON {
		return writeJSON(w, rows)
	}
	tbl := newTable(w, "NAME", "PARTITIONS", "REPLICAS")
	for _, r := range rows {
		tbl.row(r.Name, r.Partitions, r.Replicas)
	}
	return tbl.flush()
}

// Types of `topic describe --format json`.
type (
	topicDescription struct {
		Name       string                 `json:"name"`
		ID         string                 `json:"id"`
		Internal   bool                   `json:"internal"`
		Partitions []partitionDescription `json:"partitions"`
		Configs    []configDescription    `json:"configs"`
	}
	partitionDescription struct {
		Partition       int32   `json:"partition"`
		Leader          int32   `json:"leader"`
		LeaderEpoch     int32   `json:"leader_epoch"`
		Replicas        []int32 `json:"replicas"`
		ISR             []int32 `json:"isr"`
		OfflineReplicas []int32 `json:"offline_replicas"`
		LogStartOffset  int64   `json:"log_start_offset"`
		HighWatermark   int64   `json:"high_watermark"`
		Error           string  `json:"error,omitempty"`
	}
	configDescription struct {
		Name      string  `json:"name"`
		Value     *string `json:"value"`
		Source    string  `json:"source"`
		Sensitive bool    `json:"sensitive,omitempty"`
	}
)

// topicDescribe shows a topic's partitions (leader, replicas, ISR,
// offsets) and configs.
func topicDescribe(ctx context.Context, w io.Writer, adm *kadm.Client, f outputFormat, name string) error {
	d, err := describeTopic(ctx, adm, name)
	if err != nil {
		return err
	}
	if f == formatJSON {
		return writeJSON(w, d)
	}
	section(w, "SUMMARY")
	t := newTable(w)
	t.row("NAME", d.Name)
	t.row("ID", d.ID)
	t.row("PARTITIONS", len(d.Partitions))
	if len(d.Partitions) > 0 {
		t.row("REPLICAS", len(d.Partitions[0].Replicas))
	}
	t.row("INTERNAL", d.Internal)
	if err := t.flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	section(w, "CONFIGS")
	t = newTable(w, "KEY", "VALUE", "SOURCE")
	for _, c := range d.Configs {
		value := "-"
		if c.Value != nil {
			value = *c.Value
		}
		t.row(c.Name, value, c.Source)
	}
	if err := t.flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	section(w, "PARTITIONS")
	t = newTable(w, "PARTITION", "LEADER", "EPOCH", "REPLICAS", "ISR", "OFFLINE", "LOG-START-OFFSET", "HIGH-WATERMARK")
	for _, p := range d.Partitions {
		t.row(p.Partition, p.Leader, p.LeaderEpoch, int32List(p.Replicas), int32List(p.ISR),
			int32List(p.OfflineReplicas), p.LogStartOffset, p.HighWatermark)
	}
	return t.flush()
}

func describeTopic(ctx context.Context, adm *kadm.Client, name string) (topicDescription, error) {
	topics, err := adm.ListTopicsWithInternal(ctx, name)
	if err != nil {
		return topicDescription{}, fmt.Errorf("describe topic %s: %w", name, err)
	}
	t, ok := topics[name]
	if !ok {
		return topicDescription{}, fmt.Errorf("describe topic %s: %w", name, kerr.UnknownTopicOrPartition)
	}
	if t.Err != nil {
		return topicDescription{}, fmt.Errorf("describe topic %s: %w", name, t.Err)
	}
	d := topicDescription{Name: name, ID: base64.RawURLEncoding.EncodeToString(t.ID[:]), Internal: t.IsInternal}
	starts, err := adm.ListStartOffsets(ctx, name)
	if err != nil {
		return d, fmt.Errorf("describe topic %s: list start offsets: %w", name, err)
	}
	ends, err := adm.ListEndOffsets(ctx, name)
	if err != nil {
		return d, fmt.Errorf("describe topic %s: list end offsets: %w", name, err)
	}
	for _, p := range t.Partitions.Sorted() {
		pd := partitionDescription{
			Partition: p.Partition, Leader: p.Leader, LeaderEpoch: p.LeaderEpoch,
			Replicas: orEmpty(p.Replicas), ISR: orEmpty(p.ISR), OfflineReplicas: orEmpty(p.OfflineReplicas),
			LogStartOffset: -1, HighWatermark: -1,
		}
		if o, ok := starts.Lookup(name, p.Partition); ok && o.Err == nil {
			pd.LogStartOffset = o.Offset
		}
		if o, ok := ends.Lookup(name, p.Partition); ok && o.Err == nil {
			pd.HighWatermark = o.Offset
		}
		if p.Err != nil {
			pd.Error = p.Err.Error()
		}
		d.Partitions = append(d.Partitions, pd)
	}
	configs, err := adm.DescribeTopicConfigs(ctx, name)
	if err != nil {
		return d, fmt.Errorf("describe topic %s: configs: %w", name, err)
	}
	rc, err := configs.On(name, nil)
	if err == nil {
		err = withBrokerMessage(rc.Err, rc.ErrMessage)
	}
	if err != nil {
		return d, fmt.Errorf("describe topic %s: configs: %w", name, err)
	}
	d.Configs = []configDescription{}
	for _, c := range rc.Configs {
		d.Configs = append(d.Configs, configDescription{Name: c.Key, Value: c.Value, Source: c.Source.String(), Sensitive: c.Sensitive})
	}
	return d, nil
}

func orEmpty(ids []int32) []int32 {
	if ids == nil {
		return []int32{}
	}
	return ids
}

// parseKeyValues parses repeated key=value flags (-c, --set). A value may
// contain '=' and ','.
func parseKeyValues(flag string, items []string) (map[string]string, error) {
	out := map[string]string{}
	for _, item := range items {
		k, v, ok := strings.Cut(item, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, fmt.Errorf("%s %q: want key=value", flag, item)
		}
		out[k] = v
	}
	return out, nil
}

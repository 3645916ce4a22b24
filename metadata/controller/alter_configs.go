package controller

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/skiffhq/skiff/metadata/image"
	"github.com/skiffhq/skiff/metadata/record"
)

// AlterConfigs (key 33, v0-v2) replaces a resource's dynamic overrides;
// IncrementalAlterConfigs (key 44, v0-v1) applies SET, DELETE, APPEND and
// SUBTRACT to them. TOPIC resources are stored as Config records, one
// entry per resource with only the keys that change. BROKER resources
// (dynamic broker configs) are not supported yet: a request that changes
// any broker key is refused with INVALID_REQUEST "Cannot update these
// configs dynamically", which is how Kafka answers for keys that are not
// dynamically updatable; an empty change succeeds. Not here: alter-config
// policies, authorization, BROKER_LOGGER / CLIENT_METRICS / GROUP configs.

// configOp is one requested change to one key.
type configOp struct {
	name  string
	op    kmsg.IncrementalAlterConfigOp
	value *string
}

// configRequest is one resource of either request kind.
type configRequest struct {
	typ  kmsg.ConfigResourceType
	name string
	ops  []configOp
}

// configResult answers one resource.
type configResult struct {
	typ  kmsg.ConfigResourceType
	name string
	err  *apiError
}

// decideAlterConfigs plans a legacy (replace == true) or incremental
// request: it returns one result per distinct resource, and an entry per
// topic resource that changes.
func decideAlterConfigs(img *image.Image, resources []configRequest, replace, validateOnly bool, e *env) ([]configResult, []entry) {
	type key struct {
		typ  kmsg.ConfigResourceType
		name string
	}
	count := map[key]int{}
	for _, r := range resources {
		count[key{r.typ, r.name}]++
	}
	var results []configResult
	var entries []entry
	for _, r := range resources {
		k := key{r.typ, r.name}
		if count[k] < 0 {
			continue
		}
		var err *apiError
		var recs []record.Record
		if count[k] > 1 {
			count[k] = -1
			err = errorf(kerr.InvalidRequest, "Duplicate resource.")
		} else {
			recs, err = planConfigResource(img, r, replace, e)
		}
		results = append(results, configResult{typ: r.typ, name: r.name, err: err})
		if err != nil || len(recs) == 0 || validateOnly {
			continue
		}
		i := len(results) - 1
		entries = append(entries, entry{records: recs, onError: func(err *apiError) { results[i].err = err }})
	}
	return results, entries
}

func planConfigResource(img *image.Image, r configRequest, replace bool, e *env) ([]record.Record, *apiError) {
	switch r.typ {
	case kmsg.ConfigResourceTypeTopic:
		return planTopicConfigs(img, r, replace, e)
	case kmsg.ConfigResourceTypeBroker:
		return nil, checkBrokerConfigs(r)
	case kmsg.ConfigResourceTypeBrokerLogger, kmsg.ConfigResourceTypeClientMetrics, kmsg.ConfigResourceTypeGroupConfig:
		return nil, errorf(kerr.InvalidRequest, "Unexpected resource type %s.", r.typ)
	}
	return nil, errorf(kerr.UnsupportedVersion, "Unknown resource type %d.", int8(r.typ))
}

// checkBrokerConfigs refuses every dynamic broker config change (none is
// supported yet) the way Kafka refuses a non-dynamic key.
func checkBrokerConfigs(r configRequest) *apiError {
	if r.name != "" {
		if id, err := strconv.ParseInt(r.name, 10, 32); err != nil || id < 0 || strconv.Itoa(int(id)) != r.name {
			return errorf(kerr.InvalidRequest, "Invalid broker id %q: must be empty (cluster default) or a broker id.", r.name)
		}
	}
	if len(r.ops) == 0 {
		return nil
	}
	names := make([]string, len(r.ops))
	for i, op := range r.ops {
		names[i] = op.name
	}
	return errorf(kerr.InvalidRequest, "Cannot update these configs dynamically: Set(%s)", strings.Join(names, ", "))
}

// planTopicConfigs computes a topic's new overrides, validates every key
// that changes, and returns one Config record per changed key.
func planTopicConfigs(img *image.Image, r configRequest, replace bool, e *env) ([]record.Record, *apiError) {
	top, ok := img.Topic(r.name)
	if !ok {
		return nil, errorf(kerr.UnknownTopicOrPartition, "The topic '%s' does not exist.", r.name)
	}
	current := top.Configs()
	next, err := applyConfigOps(current, r.ops, replace, e.cfg.ConfigValidator)
	if err != nil {
		return nil, err
	}
	var recs []record.Record
	for _, name := range changedKeys(current, next) {
		var value *string
		if v, ok := next[name]; ok {
			value = &v
		}
		if err := e.cfg.ConfigValidator.ValidateTopicConfig(name, value); err != nil {
			return nil, errorf(kerr.InvalidConfig, "%v", err)
		}
		recs = append(recs, &record.Config{ResourceType: record.ResourceTopic, ResourceName: r.name, Name: name, Value: value})
	}
	return recs, nil
}

// applyConfigOps returns the overrides after the requested operations.
func applyConfigOps(current map[string]string, ops []configOp, replace bool, v ConfigValidator) (map[string]string, *apiError) {
	next := map[string]string{}
	if !replace {
		maps.Copy(next, current)
	}
	seen := map[string]bool{}
	for _, op := range ops {
		if seen[op.name] {
			return nil, errorf(kerr.InvalidRequest, "Duplicate config key %s.", op.name)
		}
		seen[op.name] = true
		if op.op != kmsg.IncrementalAlterConfigOpDelete && op.value == nil {
			return nil, errorf(kerr.InvalidRequest, "Null value not supported for : %s", op.name)
		}
		switch op.op {
		case kmsg.IncrementalAlterConfigOpSet:
			next[op.name] = *op.value
		case kmsg.IncrementalAlterConfigOpDelete:
			delete(next, op.name)
		case kmsg.IncrementalAlterConfigOpAppend, kmsg.IncrementalAlterConfigOpSubtract:
			value, err := applyListOp(current, op, v)
			if err != nil {
				return nil, err
			}
			next[op.name] = value
		default:
			return nil, errorf(kerr.InvalidRequest, "Unknown operation type %d", int8(op.op))
		}
	}
	return next, nil
}

// applyListOp appends or subtracts the comma-separated items of op.value
// to or from the key's current list (its override, else its default).
func applyListOp(current map[string]string, op configOp, v ConfigValidator) (string, *apiError) {
	schema, ok := v.(ListConfigSchema)
	var def string
	var isList bool
	if ok {
		def, isList = schema.TopicConfigList(op.name)
	}
	if !isList {
		return "", errorf(kerr.InvalidConfig, "Can't %s to key %s because its type is not LIST.", op.op, op.name)
	}
	base, ok := current[op.name]
	if !ok {
		base = def
	}
	items := splitList(base)
	for _, item := range splitList(*op.value) {
		has := slices.Contains(items, item)
		switch {
		case op.op == kmsg.IncrementalAlterConfigOpAppend && !has:
			items = append(items, item)
		case op.op == kmsg.IncrementalAlterConfigOpSubtract && has:
			items = slices.DeleteFunc(items, func(s string) bool { return s == item })
		}
	}
	return strings.Join(items, ","), nil
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// changedKeys lists, sorted, the keys whose presence or value differs.
func changedKeys(before, after map[string]string) []string {
	var out []string
	for k, v := range after {
		if old, ok := before[k]; !ok || old != v {
			out = append(out, k)
		}
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// legacyConfigRequests converts an AlterConfigs request.
func legacyConfigRequests(req *kmsg.AlterConfigsRequest) []configRequest {
	out := make([]configRequest, len(req.Resources))
	for i, r := range req.Resources {
		out[i] = configRequest{typ: r.ResourceType, name: r.ResourceName}
		for _, c := range r.Configs {
			out[i].ops = append(out[i].ops, configOp{name: c.Name, op: kmsg.IncrementalAlterConfigOpSet, value: c.Value})
		}
	}
	return out
}

// incrementalConfigRequests converts an IncrementalAlterConfigs request.
func incrementalConfigRequests(req *kmsg.IncrementalAlterConfigsRequest) []configRequest {
	out := make([]configRequest, len(req.Resources))
	for i, r := range req.Resources {
		out[i] = configRequest{typ: r.ResourceType, name: r.ResourceName}
		for _, c := range r.Configs {
			out[i].ops = append(out[i].ops, configOp{name: c.Name, op: c.Op, value: c.Value})
		}
	}
	return out
}

func alterConfigsResponse(version int16, results []configResult) *kmsg.AlterConfigsResponse {
	resp := kmsg.NewPtrAlterConfigsResponse()
	resp.Version = version
	for _, r := range results {
		rr := kmsg.NewAlterConfigsResponseResource()
		rr.ResourceType, rr.ResourceName = r.typ, r.name
		rr.ErrorCode, rr.ErrorMessage = r.err.code(), r.err.message()
		resp.Resources = append(resp.Resources, rr)
	}
	return resp
}

func incrementalAlterConfigsResponse(version int16, results []configResult) *kmsg.IncrementalAlterConfigsResponse {
	resp := kmsg.NewPtrIncrementalAlterConfigsResponse()
	resp.Version = version
	for _, r := range results {
		rr := kmsg.NewIncrementalAlterConfigsResponseResource()
		rr.ResourceType, rr.ResourceName = r.typ, r.name
		rr.ErrorCode, rr.ErrorMessage = r.err.code(), r.err.message()
		resp.Resources = append(resp.Resources, rr)
	}
	return resp
}

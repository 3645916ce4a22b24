package server

import (
	"maps"
	"slices"
	"strings"
)

// Prefixes of environment variables that set Kafka keys, in the two styles
// Docker users already write.
const (
	bitnamiPrefix = "KAFKA_CFG_" // KAFKA_CFG_NODE_ID: '_' → '.', lower-cased
	apachePrefix  = "KAFKA_"     // KAFKA_NODE_ID: '_' → '.', '__' → '_', '___' → '-'
)

// notConfigEnv are KAFKA_ variables the Kafka scripts and images use for
// the JVM and logging; they are not config keys, so no warning is due.
var notConfigEnv = []string{
	"KAFKA_HEAP_OPTS", "KAFKA_OPTS", "KAFKA_JMX_OPTS", "KAFKA_JVM_PERFORMANCE_OPTS",
	"KAFKA_GC_LOG_OPTS", "KAFKA_LOG4J_OPTS", "KAFKA_LOG4J_ROOT_LOGLEVEL", "KAFKA_LOG4J_LOGGERS",
	"KAFKA_TOOLS_LOG4J_LOGLEVEL", "KAFKA_JMX_PORT", "KAFKA_JMX_HOSTNAME", "KAFKA_VERSION",
	"KAFKA_HOME", "KAFKA_DEBUG", "KAFKA_JAVA_DEBUG_PORT", "KAFKA_JAVA_DEBUG_OPTS",
}

// clusterIDEnv are variables Docker images use for the cluster id (the
// Apache image's CLUSTER_ID, Bitnami's KAFKA_KRAFT_CLUSTER_ID).
var clusterIDEnv = []string{"CLUSTER_ID", "KAFKA_KRAFT_CLUSTER_ID"}

func envMap(env []string) map[string]string {
	m := map[string]string{}
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}

// loadEnv applies the environment to settings, lowest precedence first:
// cluster-id aliases, KAFKA_<KEY>, KAFKA_CFG_<KEY>, SKIFF_<FLAG>. Every
// KAFKA_ variable becomes a setting, so one that names no known key (a
// typo, or an orchestrator's KAFKA_PORT) gets checkKeys' warning.
func loadEnv(env map[string]string, settings map[string]setting) {
	names := slices.Sorted(maps.Keys(env))
	for _, name := range clusterIDEnv {
		if v, ok := env[name]; ok {
			settings["cluster.id"] = setting{value: v, source: "env " + name}
		}
	}
	for _, name := range names {
		if key, ok := apacheEnvKey(name); ok {
			settings[key] = setting{value: env[name], source: "env " + name}
		}
	}
	for _, name := range names {
		if key, ok := bitnamiEnvKey(name); ok {
			settings[key] = setting{value: env[name], source: "env " + name}
		}
	}
	for _, f := range Flags() {
		if v, ok := env[f.Env]; ok {
			settings[f.Key] = setting{value: v, source: "env " + f.Env}
		}
	}
}

// bitnamiEnvKey maps KAFKA_CFG_NODE_ID to node.id.
func bitnamiEnvKey(name string) (string, bool) {
	rest, ok := strings.CutPrefix(name, bitnamiPrefix)
	if !ok || rest == "" {
		return "", false
	}
	return strings.ToLower(strings.ReplaceAll(rest, "_", ".")), true
}

// apacheEnvKey maps KAFKA_NODE_ID to node.id the way the Apache Kafka
// image does: within a run of underscores, each "___" is '-', then "__"
// is '_', then "_" is '.' (so KAFKA_LISTENER_NAME_A__B_X___Y is
// listener.name.a_b.x-y).
func apacheEnvKey(name string) (string, bool) {
	rest, ok := strings.CutPrefix(name, apachePrefix)
	if !ok || rest == "" || strings.HasPrefix(name, bitnamiPrefix) ||
		slices.Contains(notConfigEnv, name) || slices.Contains(clusterIDEnv, name) {
		return "", false
	}
	var b strings.Builder
	for i := 0; i < len(rest); {
		if rest[i] != '_' {
			b.WriteByte(rest[i])
			i++
			continue
		}
		run := 0
		for i < len(rest) && rest[i] == '_' {
			run++
			i++
		}
		for ; run >= 3; run -= 3 {
			b.WriteByte('-')
		}
		if run == 2 {
			b.WriteByte('_')
		} else if run == 1 {
			b.WriteByte('.')
		}
	}
	return strings.ToLower(b.String()), true
}

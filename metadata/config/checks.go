package config

import (
	"fmt"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// check validates a parsed value beyond its type. Its error text becomes
// InvalidValueError.Reason, so it says what is allowed.
type check func(v Value) error

// atLeast accepts integers >= min.
func atLeast(min int64) check {
	return func(v Value) error {
		if v.n < min {
			return fmt.Errorf("value must be at least %d", min)
		}
		return nil
	}
}

// between accepts integers in [lo, hi].
func between(lo, hi int64) check {
	return func(v Value) error {
		if v.n < lo || v.n > hi {
			return fmt.Errorf("value must be between %d and %d", lo, hi)
		}
		return nil
	}
}

// betweenFloat accepts doubles in [lo, hi].
func betweenFloat(lo, hi float64) check {
	return func(v Value) error {
		if v.f < lo || v.f > hi {
			return fmt.Errorf("value must be between %s and %s", javaDouble(lo), javaDouble(hi))
		}
		return nil
	}
}

// oneOf accepts exactly one of the given strings (case-sensitive, as
// Kafka's ValidString).
func oneOf(allowed ...string) check {
	return func(v Value) error {
		if !slices.Contains(allowed, v.s) {
			return fmt.Errorf("value must be one of: %s", strings.Join(allowed, ", "))
		}
		return nil
	}
}

// listOf accepts lists whose every item is one of allowed, without
// duplicates. The empty list is accepted.
func listOf(allowed ...string) check {
	return func(v Value) error {
		for i, item := range v.list {
			if !slices.Contains(allowed, item) {
				return fmt.Errorf("each item must be one of: %s", strings.Join(allowed, ", "))
			}
			if slices.Contains(v.list[:i], item) {
				return fmt.Errorf("duplicate item %q", item)
			}
		}
		return nil
	}
}

// nonEmptyList rejects the empty list and empty items, then applies next.
func nonEmptyList(next check) check {
	return func(v Value) error {
		if len(v.list) == 0 {
			return fmt.Errorf("must not be empty")
		}
		if slices.Contains(v.list, "") {
			return fmt.Errorf("must not contain an empty item")
		}
		if next != nil {
			return next(v)
		}
		return nil
	}
}

// gzipLevel accepts Kafka's gzip levels: 1..9, or -1 for the codec default.
func gzipLevel(v Value) error {
	if v.n == -1 || (v.n >= 1 && v.n <= 9) {
		return nil
	}
	return fmt.Errorf("value must be between 1 and 9, or -1")
}

// onlyFalse accepts false: the feature the key turns on does not exist in
// Skiff, and accepting true would claim it does.
func onlyFalse(why string) check {
	return func(v Value) error {
		if v.b {
			return fmt.Errorf("%s", why)
		}
		return nil
	}
}

// throttledReplicaItem is Kafka's "partitionId:brokerId" (or empty).
var throttledReplicaItem = regexp.MustCompile(`^([0-9]+:[0-9]+)?$`)

// throttledReplicas accepts "*" or a list of partitionId:brokerId pairs.
func throttledReplicas(v Value) error {
	if strings.TrimSpace(strings.Join(v.list, "")) == "*" {
		return nil
	}
	for _, item := range v.list {
		if !throttledReplicaItem.MatchString(strings.TrimSpace(item)) {
			return fmt.Errorf("must be the literal '*' or a list of replicas in the format [partitionId]:[brokerId],[partitionId]:[brokerId],...")
		}
	}
	return nil
}

// SecurityProtocols are the protocols a listener can speak, by Kafka name.
var securityProtocols = []string{"PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"}

// listenerName is what Kafka accepts as a listener name.
var listenerName = regexp.MustCompile(`^[A-Za-z0-9_\-]+$`)

// listenerList checks the syntax of listeners / advertised.listeners:
// NAME://host:port entries, host may be empty or an [IPv6] literal.
func listenerList(v Value) error {
	items := splitList(v.s)
	names := make([]string, 0, len(items))
	for _, item := range items {
		name, hostPort, ok := strings.Cut(item, "://")
		if !ok || !listenerName.MatchString(name) {
			return fmt.Errorf("listener %q must look like NAME://host:port", item)
		}
		if err := checkHostPort(hostPort, true); err != nil {
			return fmt.Errorf("listener %q: %w", item, err)
		}
		upper := strings.ToUpper(name)
		if slices.Contains(names, upper) {
			return fmt.Errorf("listener name %s appears more than once", name)
		}
		names = append(names, upper)
	}
	return nil
}

// checkHostPort checks host:port; the host may be empty when emptyHost.
func checkHostPort(hostPort string, emptyHost bool) error {
	host, port, err := net.SplitHostPort(hostPort)
	if err != nil {
		return fmt.Errorf("%q is not host:port", hostPort)
	}
	if host == "" && !emptyHost {
		return fmt.Errorf("%q has no host", hostPort)
	}
	if strings.ContainsAny(host, " /") {
		return fmt.Errorf("%q has an invalid host", hostPort)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%q has an invalid port (0-65535)", hostPort)
	}
	return nil
}

// protocolMap checks listener.security.protocol.map: NAME:PROTOCOL pairs,
// each name once, each protocol one Kafka knows.
func protocolMap(v Value) error {
	seen := map[string]bool{}
	for _, item := range splitList(v.s) {
		name, proto, ok := strings.Cut(item, ":")
		name, proto = strings.TrimSpace(name), strings.TrimSpace(proto)
		if !ok || !listenerName.MatchString(name) {
			return fmt.Errorf("entry %q must look like LISTENER_NAME:SECURITY_PROTOCOL", item)
		}
		if !slices.Contains(securityProtocols, strings.ToUpper(proto)) {
			return fmt.Errorf("entry %q: security protocol must be one of %s", item, strings.Join(securityProtocols, ", "))
		}
		if seen[strings.ToUpper(name)] {
			return fmt.Errorf("listener name %s appears more than once", name)
		}
		seen[strings.ToUpper(name)] = true
	}
	return nil
}

// quorumVoters checks controller.quorum.voters: id@host:port entries with
// distinct non-negative ids.
func quorumVoters(v Value) error {
	seen := map[int64]bool{}
	for _, item := range v.list {
		id, hostPort, ok := strings.Cut(item, "@")
		n, err := strconv.ParseInt(id, 10, 32)
		if !ok || err != nil || n < 0 {
			return fmt.Errorf("voter %q must look like id@host:port with a non-negative id", item)
		}
		if err := checkHostPort(hostPort, false); err != nil {
			return fmt.Errorf("voter %q: %w", item, err)
		}
		if seen[n] {
			return fmt.Errorf("voter id %d appears more than once", n)
		}
		seen[n] = true
	}
	return nil
}

// hostPortList checks a list of host:port entries (bootstrap servers).
func hostPortList(v Value) error {
	for _, item := range v.list {
		if err := checkHostPort(item, false); err != nil {
			return err
		}
	}
	return nil
}

// hostPortOrEmpty checks a single host:port; the empty string means "off"
// and an empty host means all interfaces.
func hostPortOrEmpty(v Value) error {
	if v.s == "" {
		return nil
	}
	return checkHostPort(v.s, true)
}

// listenerNames checks a comma-separated list of listener names.
func listenerNames(v Value) error {
	for _, name := range splitList(v.s) {
		if !listenerName.MatchString(name) {
			return fmt.Errorf("%q is not a listener name", name)
		}
	}
	return nil
}

// splitList splits a comma-separated string value, trimming items and
// dropping empty ones (for STRING-typed keys that hold lists, as Kafka's
// listeners).
func splitList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

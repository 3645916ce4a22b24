package server

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/skiffhq/skiff/log/metaprops"
	kconfig "github.com/skiffhq/skiff/metadata/config"
)

// The roles of process.roles.
const (
	RoleBroker     = "broker"
	RoleController = "controller"
)

// Config is a node's configuration: typed fields for what the node needs
// to start, and Props with every Kafka broker key that was set, read
// through the typed accessors in config_access.go.
//
// Load builds it from flags, environment, a properties file and
// --override; the typed fields are derived from the merged keys. Tests may
// also build one from Default() and change fields; call Validate after.
type Config struct {
	NodeID       int32
	ProcessRoles []string // RoleBroker and/or RoleController
	// Listeners are the addresses to bind, each with its security protocol.
	Listeners []Listener
	// AdvertisedListeners are what clients and other brokers are told:
	// advertised.listeners, completed with every client listener it does
	// not name (an empty host replaced by this machine's host name).
	// Controller listeners appear only when advertised.listeners names
	// them; brokers find controllers through ControllerQuorumVoters.
	AdvertisedListeners []Listener
	// SecurityProtocolMap maps listener names to security protocols.
	SecurityProtocolMap     map[string]string
	ControllerListenerNames []string
	InterBrokerListenerName string
	ControllerQuorumVoters  []Voter
	// ControllerQuorumBootstrapServers is KIP-853's host:port list, used
	// instead of a fixed voter set.
	ControllerQuorumBootstrapServers []string
	LogDirs                          []string
	// MetadataLogDir holds the metadata log; empty means LogDirs[0].
	MetadataLogDir string
	// HTTPListener is host:port of /healthz, /readyz, /metrics; empty: off.
	HTTPListener string
	// ClusterID formats empty log dirs; empty: a formatted dir's id, or new.
	ClusterID string
	// Props holds every broker key that was set, by Kafka name, with the
	// value as given. It is what DescribeConfigs reports as
	// STATIC_BROKER_CONFIG.
	Props map[string]string
}

// Default is the working single-node cluster: node 1, broker and
// controller, clients on PLAINTEXT://127.0.0.1:9092, the controller on
// CONTROLLER://127.0.0.1:9093, data under ./skiff-data, HTTP on
// 127.0.0.1:9644.
func Default() Config {
	c, err := fromProps(map[string]string{}, nil)
	if err != nil {
		panic("server: the default configuration does not derive: " + err.Error())
	}
	return c
}

// IsBroker reports whether the node serves clients.
func (c Config) IsBroker() bool { return slices.Contains(c.ProcessRoles, RoleBroker) }

// IsController reports whether the node votes in the metadata quorum.
func (c Config) IsController() bool { return slices.Contains(c.ProcessRoles, RoleController) }

// isControllerListener reports whether name is one of
// controller.listener.names.
func (c Config) isControllerListener(name string) bool {
	return slices.Contains(c.ControllerListenerNames, strings.ToUpper(name))
}

// ClientListeners are the listeners that are not controller listeners.
func (c Config) ClientListeners() []Listener {
	var out []Listener
	for _, l := range c.Listeners {
		if !c.isControllerListener(l.Name) {
			out = append(out, l)
		}
	}
	return out
}

// ControllerListeners are the listeners named in controller.listener.names.
func (c Config) ControllerListeners() []Listener {
	var out []Listener
	for _, l := range c.Listeners {
		if c.isControllerListener(l.Name) {
			out = append(out, l)
		}
	}
	return out
}

// Listener returns the listener named name.
func (c Config) Listener(name string) (Listener, bool) {
	return findListener(c.Listeners, name)
}

// AdvertisedListener returns the advertised listener named name.
func (c Config) AdvertisedListener(name string) (Listener, bool) {
	return findListener(c.AdvertisedListeners, name)
}

func findListener(ls []Listener, name string) (Listener, bool) {
	for _, l := range ls {
		if strings.EqualFold(l.Name, name) {
			return l, true
		}
	}
	return Listener{}, false
}

// LocalVoter returns this node's entry in controller.quorum.voters.
func (c Config) LocalVoter() (Voter, bool) {
	for _, v := range c.ControllerQuorumVoters {
		if v.ID == c.NodeID {
			return v, true
		}
	}
	return Voter{}, false
}

// MetadataDir is where the Raft log, stable store and snapshots live:
// <metadata.log.dir or the first log dir>/metadata.
func (c Config) MetadataDir() string {
	base := c.MetadataLogDir
	if base == "" && len(c.LogDirs) > 0 {
		base = c.LogDirs[0]
	}
	return filepath.Join(base, "metadata")
}

// StorageDirs are the dirs that carry a meta.properties: the log dirs and
// metadata.log.dir when it is set and not one of them.
func (c Config) StorageDirs() []string {
	dirs := slices.Clone(c.LogDirs)
	if c.MetadataLogDir != "" && !slices.ContainsFunc(dirs, func(d string) bool {
		return filepath.Clean(d) == filepath.Clean(c.MetadataLogDir)
	}) {
		dirs = append(dirs, c.MetadataLogDir)
	}
	return dirs
}

// fromProps derives the typed fields from the merged broker keys; keys not
// in props take the catalogue default. hostname (nil: leave hosts empty)
// fills the host of an advertised listener that has none.
func fromProps(props map[string]string, hostname func() (string, error)) (Config, error) {
	c := Config{Props: maps.Clone(props)}
	get := func(key string) string {
		if v, ok := props[key]; ok {
			return strings.TrimSpace(v)
		}
		d, _ := kconfig.BrokerDef(key)
		return d.Default
	}
	var err error
	if c.NodeID, err = deriveNodeID(props, get); err != nil {
		return c, err
	}
	c.ProcessRoles = splitComma(get("process.roles"))
	if c.SecurityProtocolMap, err = parseProtocolMap(get("listener.security.protocol.map")); err != nil {
		return c, &ConfigError{Key: "listener.security.protocol.map", Value: get("listener.security.protocol.map"), Reason: err.Error()}
	}
	c.ControllerListenerNames = upperAll(splitComma(get("controller.listener.names")))
	if err := c.deriveListeners(props, get, hostname); err != nil {
		return c, err
	}
	c.InterBrokerListenerName = deriveInterBrokerListener(props, get)
	if c.ControllerQuorumVoters, err = parseVoters(get("controller.quorum.voters")); err != nil {
		return c, &ConfigError{Key: "controller.quorum.voters", Value: get("controller.quorum.voters"), Reason: err.Error()}
	}
	c.ControllerQuorumBootstrapServers = splitComma(get("controller.quorum.bootstrap.servers"))
	c.LogDirs = splitComma(get("log.dirs"))
	if _, set := props["log.dirs"]; !set {
		c.LogDirs = splitComma(get("log.dir"))
	}
	c.MetadataLogDir = get("metadata.log.dir")
	c.HTTPListener = get("http.listener")
	c.ClusterID = get("cluster.id")
	return c, nil
}

// deriveNodeID takes node.id, or broker.id when only that is set (Kafka's
// older name for it).
func deriveNodeID(props map[string]string, get func(string) string) (int32, error) {
	key := "node.id"
	if _, set := props["node.id"]; !set {
		if _, set := props["broker.id"]; set {
			key = "broker.id"
		}
	}
	n, err := strconv.ParseInt(get(key), 10, 32)
	if err != nil {
		return 0, &ConfigError{Key: key, Value: get(key), Reason: "expected a 32-bit integer"}
	}
	return int32(n), nil
}

// defaultListeners are the listeners of a node whose listeners key is not
// set: the default for its roles, so a broker-only or controller-only node
// does not bind the other role's port.
func defaultListeners(roles []string) string {
	broker, controller := slices.Contains(roles, RoleBroker), slices.Contains(roles, RoleController)
	switch {
	case broker && !controller:
		return "PLAINTEXT://127.0.0.1:9092"
	case controller && !broker:
		return "CONTROLLER://127.0.0.1:9093"
	}
	d, _ := kconfig.BrokerDef("listeners")
	return d.Default
}

func (c *Config) deriveListeners(props map[string]string, get func(string) string, hostname func() (string, error)) error {
	text := get("listeners")
	if _, set := props["listeners"]; !set {
		text = defaultListeners(c.ProcessRoles)
	}
	var err error
	if c.Listeners, err = parseListeners(text); err != nil {
		return &ConfigError{Key: "listeners", Value: text, Reason: err.Error()}
	}
	for i := range c.Listeners {
		c.Listeners[i].SecurityProtocol = c.protocolOf(c.Listeners[i].Name)
	}
	advertised, err := parseListeners(get("advertised.listeners"))
	if err != nil {
		return &ConfigError{Key: "advertised.listeners", Value: get("advertised.listeners"), Reason: err.Error()}
	}
	for _, l := range c.Listeners {
		if _, named := findListener(advertised, l.Name); !named && !c.isControllerListener(l.Name) {
			advertised = append(advertised, l)
		}
	}
	for i := range advertised {
		advertised[i].SecurityProtocol = c.protocolOf(advertised[i].Name)
		if advertised[i].Host == "" && hostname != nil {
			if h, err := hostname(); err == nil && h != "" {
				advertised[i].Host = h
			}
		}
	}
	c.AdvertisedListeners = advertised
	return nil
}

// protocolOf finds a listener's security protocol. As in Kafka, a
// controller listener missing from the map is PLAINTEXT when every mapped
// protocol is PLAINTEXT. Empty means unknown (Validate reports it).
func (c *Config) protocolOf(name string) string {
	if p, ok := c.SecurityProtocolMap[name]; ok {
		return p
	}
	if c.isControllerListener(name) {
		for _, p := range c.SecurityProtocolMap {
			if p != "PLAINTEXT" {
				return ""
			}
		}
		return "PLAINTEXT"
	}
	return ""
}

// deriveInterBrokerListener follows Kafka: inter.broker.listener.name, or,
// when only security.inter.broker.protocol is set, the listener named after
// that protocol.
func deriveInterBrokerListener(props map[string]string, get func(string) string) string {
	_, nameSet := props["inter.broker.listener.name"]
	if _, protoSet := props["security.inter.broker.protocol"]; protoSet && !nameSet {
		return strings.ToUpper(get("security.inter.broker.protocol"))
	}
	return strings.ToUpper(get("inter.broker.listener.name"))
}

func upperAll(items []string) []string {
	for i := range items {
		items[i] = strings.ToUpper(items[i])
	}
	return items
}

// Validate checks the configuration as a whole and returns the first
// problem as a *ConfigError naming the key, the value and why.
func (c Config) Validate() error {
	for _, check := range []func() error{
		c.validateProps, c.validateIdentity, c.validateLogDirs, c.validateListeners,
		c.validatePorts, c.validateControllerListeners, c.validateBrokerListeners,
		c.validateQuorum, c.validateAdvertised,
	} {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

// validateProps checks every set key against the catalogue.
func (c Config) validateProps() error {
	for _, key := range slices.Sorted(maps.Keys(c.Props)) {
		if err := kconfig.ValidateBrokerConfig(key, c.Props[key]); err != nil {
			value := c.Props[key]
			if d, _ := kconfig.BrokerDef(key); d.Sensitive {
				value = "[hidden]"
			}
			return &ConfigError{Key: key, Value: value, Reason: reasonOf(err), Err: err}
		}
	}
	_, nameSet := c.Props["inter.broker.listener.name"]
	if _, protoSet := c.Props["security.inter.broker.protocol"]; nameSet && protoSet {
		return &ConfigError{Key: "security.inter.broker.protocol", Value: c.Props["security.inter.broker.protocol"],
			Reason: "set only one of inter.broker.listener.name and security.inter.broker.protocol"}
	}
	return nil
}

func (c Config) validateIdentity() error {
	if c.NodeID < 0 {
		return &ConfigError{Key: "node.id", Value: itoa(c.NodeID), Reason: "must not be negative"}
	}
	if b, ok := c.Props["broker.id"]; ok && strings.TrimSpace(b) != itoa(c.NodeID) {
		return &ConfigError{Key: "broker.id", Value: b,
			Reason: fmt.Sprintf("must equal node.id (%d) when both are set", c.NodeID)}
	}
	roles := strings.Join(c.ProcessRoles, ",")
	if len(c.ProcessRoles) == 0 || len(c.ProcessRoles) > 2 {
		return &ConfigError{Key: "process.roles", Value: roles, Reason: "must be broker, controller, or broker,controller"}
	}
	for i, r := range c.ProcessRoles {
		if (r != RoleBroker && r != RoleController) || slices.Contains(c.ProcessRoles[:i], r) {
			return &ConfigError{Key: "process.roles", Value: roles, Reason: "must be broker, controller, or broker,controller"}
		}
	}
	if c.ClusterID != "" {
		if err := metaprops.ValidateUUID(c.ClusterID); err != nil {
			return &ConfigError{Key: "cluster.id", Value: c.ClusterID,
				Reason: err.Error() + " (generate one with `skiff storage random-uuid`)"}
		}
	}
	return nil
}

func (c Config) validateLogDirs() error {
	key := "log.dirs"
	if _, set := c.Props[key]; !set {
		key = "log.dir"
	}
	value := strings.Join(c.LogDirs, ",")
	if len(c.LogDirs) == 0 {
		return &ConfigError{Key: key, Value: value, Reason: "at least one log dir is needed"}
	}
	seen := map[string]bool{}
	for _, d := range c.LogDirs {
		clean := filepath.Clean(d)
		if d == "" || seen[clean] {
			return &ConfigError{Key: key, Value: value, Reason: fmt.Sprintf("log dir %q is empty or listed twice", d)}
		}
		seen[clean] = true
	}
	return nil
}

func itoa(n int32) string { return strconv.Itoa(int(n)) }

// reasonOf extracts the catalogue's reason from its error.
func reasonOf(err error) string {
	if ive, ok := err.(*kconfig.InvalidValueError); ok {
		return ive.Reason
	}
	return err.Error()
}

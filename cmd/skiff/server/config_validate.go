package server

import (
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
)

// ConfigError reports a configuration the node cannot start with: the key,
// the value, where the value came from (when Load knows) and why.
type ConfigError struct {
	Key    string
	Value  string
	Source string // "flag --node-id", "env KAFKA_NODE_ID", "server.properties:12", ...; may be empty
	Reason string
	Err    error // the catalogue's error, if any
}

func (e *ConfigError) Error() string {
	from := ""
	if e.Source != "" {
		from = " (from " + e.Source + ")"
	}
	return fmt.Sprintf("invalid configuration %s=%q%s: %s", e.Key, e.Value, from, e.Reason)
}

func (e *ConfigError) Unwrap() error { return e.Err }

func listenersValue(ls []Listener) string {
	parts := make([]string, len(ls))
	for i, l := range ls {
		parts[i] = l.String()
	}
	return strings.Join(parts, ",")
}

func (c Config) listenersError(reason string) error {
	return &ConfigError{Key: "listeners", Value: listenersValue(c.Listeners), Reason: reason}
}

// validateListeners checks names and protocols of the bind listeners.
func (c Config) validateListeners() error {
	if len(c.Listeners) == 0 {
		return c.listenersError("at least one listener is needed")
	}
	var names []string
	for _, l := range c.Listeners {
		if slices.Contains(names, l.Name) {
			return c.listenersError(fmt.Sprintf("listener name %s appears more than once", l.Name))
		}
		names = append(names, l.Name)
		if l.Port < 0 || l.Port > 65535 {
			return c.listenersError(fmt.Sprintf("listener %s has an invalid port", l))
		}
		if l.SecurityProtocol == "" {
			return &ConfigError{Key: "listener.security.protocol.map", Value: protocolMapValue(c.SecurityProtocolMap),
				Reason: fmt.Sprintf("no security protocol for listener %s; add %s:PLAINTEXT (or SSL, SASL_PLAINTEXT, SASL_SSL)", l.Name, l.Name)}
		}
	}
	return nil
}

func protocolMapValue(m map[string]string) string {
	var parts []string
	for name, proto := range m {
		parts = append(parts, name+":"+proto)
	}
	slices.Sort(parts)
	return strings.Join(parts, ",")
}

// validatePorts rejects two listeners (or a listener and the HTTP
// endpoint) that cannot both bind.
func (c Config) validatePorts() error {
	for i, a := range c.Listeners {
		for _, b := range c.Listeners[i+1:] {
			if portsClash(a.Host, a.Port, b.Host, b.Port) {
				return c.listenersError(fmt.Sprintf("listeners %s and %s use the same port", a, b))
			}
		}
	}
	if c.HTTPListener == "" {
		return nil
	}
	host, port, err := splitHostPort(c.HTTPListener)
	if err != nil {
		return &ConfigError{Key: "http.listener", Value: c.HTTPListener, Reason: err.Error()}
	}
	for _, l := range c.Listeners {
		if portsClash(host, port, l.Host, l.Port) {
			return &ConfigError{Key: "http.listener", Value: c.HTTPListener,
				Reason: fmt.Sprintf("uses the same port as listener %s", l)}
		}
	}
	return nil
}

// validateControllerListeners applies Kafka's KRaft listener rules.
func (c Config) validateControllerListeners() error {
	names := strings.Join(c.ControllerListenerNames, ",")
	if len(c.ControllerListenerNames) == 0 {
		return &ConfigError{Key: "controller.listener.names", Value: names,
			Reason: "must name at least one listener (CONTROLLER by default)"}
	}
	controllers := c.ControllerListeners()
	switch {
	case c.IsController() && len(controllers) == 0:
		return c.listenersError(fmt.Sprintf("process.roles includes controller, so listeners must include a listener named in controller.listener.names (%s), e.g. CONTROLLER://127.0.0.1:9093", names))
	case c.IsController() && !c.IsBroker() && len(controllers) != len(c.Listeners):
		return c.listenersError(fmt.Sprintf("a controller-only node listens only on controller listeners (%s)", names))
	case !c.IsController() && len(controllers) > 0:
		return c.listenersError(fmt.Sprintf("a broker-only node must not listen on controller listener %s; only controllers do", controllers[0].Name))
	}
	if !c.IsController() && c.protocolOf(c.ControllerListenerNames[0]) == "" {
		return &ConfigError{Key: "listener.security.protocol.map", Value: protocolMapValue(c.SecurityProtocolMap),
			Reason: fmt.Sprintf("no security protocol for controller listener %s, needed to reach the controllers", c.ControllerListenerNames[0])}
	}
	return nil
}

// validateBrokerListeners checks a broker has a client listener and an
// inter-broker listener.
func (c Config) validateBrokerListeners() error {
	if !c.IsBroker() {
		return nil
	}
	if len(c.ClientListeners()) == 0 {
		return c.listenersError("process.roles includes broker, so listeners must include a client listener, e.g. PLAINTEXT://127.0.0.1:9092")
	}
	name := c.InterBrokerListenerName
	if _, ok := c.Listener(name); !ok || c.isControllerListener(name) {
		return &ConfigError{Key: "inter.broker.listener.name", Value: name,
			Reason: fmt.Sprintf("must name one of the client listeners (%s)", listenersValue(c.ClientListeners()))}
	}
	return nil
}

// validateQuorum checks the node can find the quorum and its own place in
// it.
func (c Config) validateQuorum() error {
	voters := make([]string, len(c.ControllerQuorumVoters))
	for i, v := range c.ControllerQuorumVoters {
		voters[i] = v.String()
	}
	value := strings.Join(voters, ",")
	if len(c.ControllerQuorumVoters) == 0 && len(c.ControllerQuorumBootstrapServers) == 0 {
		return &ConfigError{Key: "controller.quorum.voters", Value: value,
			Reason: "set controller.quorum.voters (id@host:port,...) or controller.quorum.bootstrap.servers"}
	}
	seen := map[int32]bool{}
	for _, v := range c.ControllerQuorumVoters {
		if seen[v.ID] {
			return &ConfigError{Key: "controller.quorum.voters", Value: value, Reason: fmt.Sprintf("voter id %d appears more than once", v.ID)}
		}
		seen[v.ID] = true
	}
	if len(c.ControllerQuorumVoters) == 0 {
		return nil
	}
	_, voter := c.LocalVoter()
	switch {
	case c.IsController() && !voter:
		return &ConfigError{Key: "controller.quorum.voters", Value: value,
			Reason: fmt.Sprintf("this node (node.id %d) has the controller role, so it must be one of the voters", c.NodeID)}
	case !c.IsController() && voter:
		return &ConfigError{Key: "controller.quorum.voters", Value: value,
			Reason: fmt.Sprintf("this node (node.id %d) is broker-only, so it must not be one of the voters; give it another node.id or the controller role", c.NodeID)}
	}
	return nil
}

// validateAdvertised rejects advertised addresses clients cannot use, the
// classic cause of "clients connect, then time out".
func (c Config) validateAdvertised() error {
	explicit, _ := parseListeners(c.Props["advertised.listeners"])
	for _, a := range c.AdvertisedListeners {
		if _, ok := c.Listener(a.Name); !ok {
			return &ConfigError{Key: "advertised.listeners", Value: listenersValue(c.AdvertisedListeners),
				Reason: fmt.Sprintf("listener %s is not in listeners (%s)", a.Name, listenersValue(c.Listeners))}
		}
		if a.Port < 0 || a.Port > 65535 {
			return &ConfigError{Key: "advertised.listeners", Value: a.String(), Reason: "invalid port"}
		}
		if !a.isWildcard() {
			continue
		}
		hint := fmt.Sprintf("set advertised.listeners to the address clients use, e.g. %s://%s", a.Name,
			net.JoinHostPort("my-host.example.com", strconv.Itoa(a.Port)))
		if _, named := findListener(explicit, a.Name); named {
			return &ConfigError{Key: "advertised.listeners", Value: listenersValue(c.AdvertisedListeners),
				Reason: fmt.Sprintf("%s is not an address clients can connect to; %s", a.Addr(), hint)}
		}
		return &ConfigError{Key: "listeners", Value: listenersValue(c.Listeners),
			Reason: fmt.Sprintf("advertised.listeners does not name %s, so clients would be told to connect to %s, "+
				"which is not an address they can reach; %s", a.Name, a.Addr(), hint)}
	}
	return nil
}

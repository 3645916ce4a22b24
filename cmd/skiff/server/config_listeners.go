package server

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// Listener is one entry of listeners or advertised.listeners.
type Listener struct {
	// Name is the listener name, upper-cased as Kafka normalises it
	// (PLAINTEXT, CONTROLLER, INTERNAL, ...).
	Name string
	// Host is a host name or IP (IPv6 without brackets); empty binds every
	// interface.
	Host string
	// Port is the TCP port; 0 asks the OS for a free one.
	Port int
	// SecurityProtocol is the listener's protocol from
	// listener.security.protocol.map (PLAINTEXT, SSL, SASL_PLAINTEXT,
	// SASL_SSL).
	SecurityProtocol string
}

// Addr is the host:port to listen on or connect to.
func (l Listener) Addr() string { return net.JoinHostPort(l.Host, strconv.Itoa(l.Port)) }

// String is the listener in Kafka's NAME://host:port form.
func (l Listener) String() string { return l.Name + "://" + l.Addr() }

// isWildcard reports whether the host binds every interface: clients cannot
// connect to it.
func (l Listener) isWildcard() bool { return isWildcardHost(l.Host) }

func isWildcardHost(host string) bool {
	return host == "" || host == "0.0.0.0" || host == "::" || host == "[::]"
}

// Voter is one entry of controller.quorum.voters.
type Voter struct {
	ID   int32
	Host string
	Port int
}

// Addr is the voter's host:port.
func (v Voter) Addr() string { return net.JoinHostPort(v.Host, strconv.Itoa(v.Port)) }

// String is the voter in Kafka's id@host:port form.
func (v Voter) String() string { return strconv.Itoa(int(v.ID)) + "@" + v.Addr() }

// parseListeners parses NAME://host:port,... (the catalogue has checked the
// syntax; this reports it again for hand-built values).
func parseListeners(s string) ([]Listener, error) {
	var out []Listener
	for _, item := range splitComma(s) {
		name, hostPort, ok := strings.Cut(item, "://")
		if !ok || name == "" {
			return nil, fmt.Errorf("listener %q must look like NAME://host:port", item)
		}
		host, port, err := splitHostPort(hostPort)
		if err != nil {
			return nil, fmt.Errorf("listener %q: %w", item, err)
		}
		out = append(out, Listener{Name: strings.ToUpper(name), Host: host, Port: port})
	}
	return out, nil
}

// parseVoters parses id@host:port,...
func parseVoters(s string) ([]Voter, error) {
	var out []Voter
	for _, item := range splitComma(s) {
		id, hostPort, ok := strings.Cut(item, "@")
		n, err := strconv.ParseInt(id, 10, 32)
		if !ok || err != nil || n < 0 {
			return nil, fmt.Errorf("voter %q must look like id@host:port", item)
		}
		host, port, err := splitHostPort(hostPort)
		if err != nil || host == "" {
			return nil, fmt.Errorf("voter %q must look like id@host:port", item)
		}
		out = append(out, Voter{ID: int32(n), Host: host, Port: port})
	}
	return out, nil
}

// parseProtocolMap parses NAME:PROTOCOL,... with names and protocols
// upper-cased.
func parseProtocolMap(s string) (map[string]string, error) {
	m := map[string]string{}
	for _, item := range splitComma(s) {
		name, proto, ok := strings.Cut(item, ":")
		if !ok {
			return nil, fmt.Errorf("entry %q must look like NAME:PROTOCOL", item)
		}
		m[strings.ToUpper(strings.TrimSpace(name))] = strings.ToUpper(strings.TrimSpace(proto))
	}
	return m, nil
}

func splitHostPort(hostPort string) (string, int, error) {
	host, portText, err := net.SplitHostPort(hostPort)
	if err != nil {
		return "", 0, fmt.Errorf("%q is not host:port", hostPort)
	}
	port, err := strconv.Atoi(portText)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("%q has an invalid port", hostPort)
	}
	return host, port, nil
}

// splitComma splits a comma-separated value, trimming and dropping empty
// items.
func splitComma(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// portsClash reports whether two listening addresses cannot both be bound:
// the same non-zero port, unless one host is an IPv4 and the other an IPv6
// literal (Kafka's rule), or both are distinct literal IPs.
func portsClash(hostA string, portA int, hostB string, portB int) bool {
	if portA == 0 || portA != portB {
		return false
	}
	if isWildcardHost(hostA) || isWildcardHost(hostB) {
		return !differentFamilies(hostA, hostB)
	}
	a, errA := netip.ParseAddr(hostA)
	b, errB := netip.ParseAddr(hostB)
	if errA == nil && errB == nil {
		return a == b
	}
	return true // host names may resolve to the same address
}

// differentFamilies reports whether one host is an IPv4 and the other an
// IPv6 address (wildcards included).
func differentFamilies(a, b string) bool {
	family := func(h string) int {
		switch h {
		case "0.0.0.0":
			return 4
		case "::", "[::]":
			return 6
		}
		if ip, err := netip.ParseAddr(h); err == nil {
			if ip.Is4() {
				return 4
			}
			return 6
		}
		return 0
	}
	fa, fb := family(a), family(b)
	return fa != 0 && fb != 0 && fa != fb
}

// isLoopback reports whether host only reaches this machine.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

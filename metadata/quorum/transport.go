package quorum

import (
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/hashicorp/raft"
)

// Preface starts every Raft connection on the controller listener. Read as
// a Kafka request's 4-byte big-endian size it is negative, which no Kafka
// client ever sends, so the listener can tell the two protocols apart from
// the first four bytes.
const Preface = "\xffSKR"

// streamLayer is the raft.StreamLayer over the shared controller listener.
// It tracks every connection it hands out so Close can end them all: the
// transport's per-connection goroutines then exit even if a peer never
// hangs up.
type streamLayer struct {
	ln        net.Listener // yields connections with the preface consumed
	advertise net.Addr

	mu     sync.Mutex
	conns  map[*trackedConn]struct{}
	closed bool
}

func newStreamLayer(ln net.Listener, advertise string) *streamLayer {
	return &streamLayer{
		ln:        ln,
		advertise: stringAddr(advertise),
		conns:     map[*trackedConn]struct{}{},
	}
}

// Accept returns the next inbound Raft connection.
func (s *streamLayer) Accept() (net.Conn, error) {
	c, err := s.ln.Accept()
	if err != nil {
		return nil, err
	}
	return s.track(c)
}

// Dial connects to a peer's controller listener and writes the preface.
func (s *streamLayer) Dial(address raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	c, err := net.DialTimeout("tcp", string(address), timeout)
	if err != nil {
		return nil, err
	}
	if err := c.SetWriteDeadline(time.Now().Add(timeout)); err == nil {
		_, err = c.Write([]byte(Preface))
		if err == nil {
			err = c.SetWriteDeadline(time.Time{})
		}
	}
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("write raft preface to %s: %w", address, err)
	}
	return s.track(c)
}

func (s *streamLayer) track(c net.Conn) (net.Conn, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		c.Close()
		return nil, net.ErrClosed
	}
	tc := &trackedConn{Conn: c, owner: s}
	s.conns[tc] = struct{}{}
	return tc, nil
}

// Close stops accepting and closes every connection handed out.
func (s *streamLayer) Close() error {
	s.mu.Lock()
	s.closed = true
	conns := s.conns
	s.conns = map[*trackedConn]struct{}{}
	s.mu.Unlock()
	err := s.ln.Close()
	for c := range conns {
		c.Conn.Close()
	}
	return err
}

// Addr is the address peers dial to reach this node (its advertised
// controller address, not the possibly wildcard bind address).
func (s *streamLayer) Addr() net.Addr { return s.advertise }

type trackedConn struct {
	net.Conn
	owner *streamLayer
	once  sync.Once
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.owner.mu.Lock()
		delete(c.owner.conns, c)
		c.owner.mu.Unlock()
	})
	return c.Conn.Close()
}

type stringAddr string

func (a stringAddr) Network() string { return "tcp" }
func (a stringAddr) String() string  { return string(a) }

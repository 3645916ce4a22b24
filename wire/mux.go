package wire

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// PrefaceLen is the length of a Mux preface: the first four bytes of a
// connection, where a Kafka client sends its first frame's length. A preface
// that decodes to a length no Kafka request may have (negative, or above
// socket.request.max.bytes) can never be mistaken for a Kafka connection.
const PrefaceLen = 4

// defaultPrefaceTimeout bounds how long a new connection may take to send
// its first four bytes before the Mux drops it.
const defaultPrefaceTimeout = 10 * time.Second

// Mux splits one listener by the first PrefaceLen bytes of each connection:
// connections that start with a registered preface go to that preface's
// listener with the preface consumed; everything else goes to Default with
// the peeked bytes replayed. The controller port uses it to carry Raft's
// transport and Kafka's controller RPCs on one socket.
//
// Each new connection's preface is read on its own goroutine with a
// deadline, so a slow or silent connection delays no other.
type Mux struct {
	ln             net.Listener
	log            zerolog.Logger
	prefaceTimeout time.Duration
	dflt           *muxListener
	done           chan struct{} // closed by Close

	mu struct {
		sync.Mutex
		routes  map[string]*muxListener
		pending map[net.Conn]struct{} // connections whose preface is being read
		closed  bool
	}
	closeOnce sync.Once
	wg        sync.WaitGroup // preface readers
}

// NewMux returns a Mux over ln. Register routes, then run Serve.
func NewMux(ln net.Listener, logger zerolog.Logger) *Mux {
	m := &Mux{
		ln:             ln,
		log:            logger.With().Str("component", "wire.mux").Logger(),
		prefaceTimeout: defaultPrefaceTimeout,
		done:           make(chan struct{}),
	}
	m.dflt = newMuxListener(m)
	m.mu.routes = make(map[string]*muxListener)
	m.mu.pending = make(map[net.Conn]struct{})
	return m
}

// Route returns the listener for connections that start with preface,
// which must be PrefaceLen bytes; the preface is not replayed. Calling it
// twice with the same preface returns the same listener.
func (m *Mux) Route(preface string) net.Listener {
	if len(preface) != PrefaceLen {
		panic(fmt.Sprintf("wire.Mux.Route: preface must be %d bytes, got %d", PrefaceLen, len(preface)))
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if l, ok := m.mu.routes[preface]; ok {
		return l
	}
	l := newMuxListener(m)
	if m.mu.closed {
		l.close()
	}
	m.mu.routes[preface] = l
	return l
}

// Default returns the listener for connections matching no route, their
// first bytes intact.
func (m *Mux) Default() net.Listener { return m.dflt }

// Serve accepts connections until Close (returning nil) or until the
// underlying listener fails (returning the error).
func (m *Mux) Serve() error {
	var backoff time.Duration
	for {
		nc, err := m.ln.Accept()
		if err != nil {
			select {
			case <-m.done:
				return nil
			default:
			}
			if !isTemporaryAcceptError(err) {
				return fmt.Errorf("mux accept on %s: %w", m.ln.Addr(), err)
			}
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			m.log.Warn().Err(err).Dur("retry_in", backoff).Msg("accept failed")
			if !m.pause(backoff) {
				return nil
			}
			continue
		}
		backoff = 0
		if !m.track(nc) {
			_ = nc.Close()
			return nil
		}
		go m.route(nc)
	}
}

// track counts a preface reader for nc, unless the Mux is closed.
func (m *Mux) track(nc net.Conn) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.mu.closed {
		return false
	}
	m.mu.pending[nc] = struct{}{}
	m.wg.Add(1)
	return true
}

func (m *Mux) pause(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-m.done:
		return false
	}
}

// route reads nc's preface and hands it to the matching listener.
func (m *Mux) route(nc net.Conn) {
	defer m.wg.Done()
	var preface [PrefaceLen]byte
	_ = nc.SetReadDeadline(time.Now().Add(m.prefaceTimeout))
	n, err := io.ReadFull(nc, preface[:])
	_ = nc.SetReadDeadline(time.Time{})
	m.mu.Lock()
	delete(m.mu.pending, nc)
	target, routed := m.mu.routes[string(preface[:])]
	m.mu.Unlock()
	if err != nil {
		m.log.Debug().Err(err).Stringer("remote", addrString{nc.RemoteAddr()}).Int("bytes", n).
			Msg("connection closed before its preface")
		_ = nc.Close()
		return
	}
	if routed {
		target.deliver(nc)
		return
	}
	m.dflt.deliver(&replayConn{Conn: nc, pending: preface[:]})
}

// Close closes the underlying listener and every routed listener, and waits
// for connections still sending their preface (they are closed).
func (m *Mux) Close() error {
	var err error
	m.closeOnce.Do(func() {
		m.mu.Lock()
		m.mu.closed = true
		routes := make([]*muxListener, 0, len(m.mu.routes))
		for _, l := range m.mu.routes {
			routes = append(routes, l)
		}
		for nc := range m.mu.pending {
			_ = nc.Close() // unblocks its preface read
		}
		m.mu.Unlock()
		close(m.done)
		err = m.ln.Close()
		m.dflt.close()
		for _, l := range routes {
			l.close()
		}
	})
	m.wg.Wait()
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

// muxListener is one of a Mux's outputs. Closing it stops its Accept; the
// Mux then closes connections routed to it.
type muxListener struct {
	m      *Mux
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once
}

func newMuxListener(m *Mux) *muxListener {
	return &muxListener{m: m, conns: make(chan net.Conn), closed: make(chan struct{})}
}

// deliver hands nc to Accept, or closes it if this listener or the Mux is
// closed first.
func (l *muxListener) deliver(nc net.Conn) {
	select {
	case l.conns <- nc:
	case <-l.closed:
		_ = nc.Close()
	case <-l.m.done:
		_ = nc.Close()
	}
}

func (l *muxListener) Accept() (net.Conn, error) {
	select {
	case nc := <-l.conns:
		return nc, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *muxListener) Close() error { l.close(); return nil }

func (l *muxListener) close() { l.once.Do(func() { close(l.closed) }) }

func (l *muxListener) Addr() net.Addr { return l.m.ln.Addr() }

// replayConn returns the peeked preface before reading the connection.
type replayConn struct {
	net.Conn
	pending []byte
}

func (c *replayConn) Read(p []byte) (int, error) {
	if len(c.pending) > 0 {
		n := copy(p, c.pending)
		c.pending = c.pending[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

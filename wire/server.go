package wire

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

// Server accepts Kafka connections on any number of listeners and runs each
// connection's pipeline (see conn). Create it with NewServer, run Serve per
// listener, and Close it to stop everything.
type Server struct {
	cfg       Config
	handler   Handler
	log       zerolog.Logger
	rejectLog zerolog.Logger // sampled: a connection flood must not flood the log
	metrics   *serverMetrics
	decoder   decoder
	frames    framePool
	outBufs   sync.Pool // *[]byte output buffers, any size
	hooks     testHooks

	ctx    context.Context // parent of every connection's ctx; cancelled by Close
	cancel context.CancelCauseFunc

	nextConnID atomic.Uint64
	open       atomic.Int64 // open connections, for MaxConnections

	mu struct {
		sync.Mutex
		closed    bool
		listeners map[net.Listener]struct{}
		conns     map[*conn]struct{}
	}
	wg sync.WaitGroup // Serve loops and connections
}

// testHooks let tests observe states that have no other visible effect.
type testHooks struct {
	pipelineFull func(*ConnInfo)        // a reader found MaxInFlightPerConn requests outstanding
	connClosed   func(*ConnInfo, error) // a connection finished, with its close reason
}

// NewServer returns a Server that dispatches to h. Metrics are registered on
// reg (nil: not registered). It starts no goroutines.
func NewServer(cfg Config, h Handler, logger zerolog.Logger, reg prometheus.Registerer) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("wire config: %w", err)
	}
	if h == nil {
		return nil, errors.New("wire: nil Handler")
	}
	shapes, err := deriveBodyShapes()
	if err != nil {
		return nil, err
	}
	m, err := newServerMetrics(reg)
	if err != nil {
		return nil, fmt.Errorf("register wire metrics: %w", err)
	}
	log := logger.With().Str("component", "wire").Logger()
	s := &Server{
		cfg:       cfg,
		handler:   h,
		log:       log,
		rejectLog: log.Sample(&zerolog.BurstSampler{Burst: 5, Period: time.Second}),
		metrics:   m,
		decoder:   decoder{shapes: shapes, supports: h.Supports},
	}
	s.outBufs.New = func() any { b := make([]byte, 0, 16<<10); return &b }
	s.ctx, s.cancel = context.WithCancelCause(context.Background())
	s.mu.listeners = make(map[net.Listener]struct{})
	s.mu.conns = make(map[*conn]struct{})
	return s, nil
}

// Serve accepts connections on ln until Close (returning ErrServerClosed)
// or until ln fails (returning the error). listenerName labels the
// connections (ConnInfo.Listener, logs, metrics). Serve may run on many
// listeners at once; Close closes them all.
func (s *Server) Serve(ln net.Listener, listenerName string) error {
	s.mu.Lock()
	if s.mu.closed {
		s.mu.Unlock()
		_ = ln.Close()
		return ErrServerClosed
	}
	s.mu.listeners[ln] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.mu.listeners, ln)
		s.mu.Unlock()
	}()

	s.log.Info().Str("listener", listenerName).Stringer("addr", ln.Addr()).Msg("serving Kafka connections")
	var backoff time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.ctx.Err() != nil {
				return ErrServerClosed
			}
			if !isTemporaryAcceptError(err) {
				return fmt.Errorf("accept on %s listener %s: %w", listenerName, ln.Addr(), err)
			}
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			s.log.Warn().Err(err).Str("listener", listenerName).Dur("retry_in", backoff).Msg("accept failed")
			if !s.pause(backoff) {
				return ErrServerClosed
			}
			continue
		}
		backoff = 0
		s.accept(nc, listenerName)
	}
}

// pause waits d, or until Close; it reports whether the server is still open.
func (s *Server) pause(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.ctx.Done():
		return false
	}
}

// accept starts a connection, or closes it if max.connections is reached.
func (s *Server) accept(nc net.Conn, listener string) {
	if s.open.Load() >= int64(s.cfg.MaxConnections) {
		s.metrics.rejected.WithLabelValues(listener).Inc()
		s.rejectLog.Warn().Str("listener", listener).Stringer("remote", addrString{nc.RemoteAddr()}).
			Int("max_connections", s.cfg.MaxConnections).Msg("connection refused: max.connections reached")
		_ = nc.Close()
		return
	}
	c := newConn(s, nc, listener, s.nextConnID.Add(1))
	s.mu.Lock()
	if s.mu.closed {
		s.mu.Unlock()
		c.cancel(ErrServerClosed)
		_ = nc.Close()
		return
	}
	s.mu.conns[c] = struct{}{}
	s.open.Add(1)
	s.wg.Add(1)
	s.mu.Unlock()
	c.stats.connections.Inc()
	c.log.Debug().Msg("connection accepted")
	go c.serve()
}

// connDone is called by a connection's serve on its way out.
func (s *Server) connDone(c *conn) {
	s.mu.Lock()
	delete(s.mu.conns, c)
	s.mu.Unlock()
	s.open.Add(-1)
	c.stats.connections.Dec()
	// The test hook runs last, so a test woken by it sees the connection
	// already gone from every count.
	if hook := s.hooks.connClosed; hook != nil {
		hook(c.info, c.closeReason())
	}
	s.wg.Done()
}

// Close stops accepting, closes every listener and connection (cancelling
// their Handle contexts), and waits for every goroutine the Server started,
// including Later functions still running. It is safe to call more than once.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.mu.closed {
		s.mu.Unlock()
		s.wg.Wait()
		return nil
	}
	s.mu.closed = true
	listeners := make([]net.Listener, 0, len(s.mu.listeners))
	for ln := range s.mu.listeners {
		listeners = append(listeners, ln)
	}
	conns := make([]*conn, 0, len(s.mu.conns))
	for c := range s.mu.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()

	s.cancel(ErrServerClosed)
	var errs []error
	for _, ln := range listeners {
		if err := ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, err)
		}
	}
	for _, c := range conns {
		c.abort(ErrServerClosed)
	}
	s.wg.Wait()
	return errors.Join(errs...)
}

func (s *Server) getOutBuffer() *[]byte  { return s.outBufs.Get().(*[]byte) }
func (s *Server) putOutBuffer(b *[]byte) { *b = (*b)[:0]; s.outBufs.Put(b) }

// isTemporaryAcceptError reports accept failures worth retrying: running out
// of file descriptors or buffers, or a connection aborted before accept.
func isTemporaryAcceptError(err error) bool {
	return isTimeout(err) || errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) ||
		errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, syscall.ENOBUFS) || errors.Is(err, syscall.ENOMEM)
}

package wire

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/rs/zerolog"
)

// readBufferBytes buffers small pipelined requests so several are taken
// from the socket in one read; larger frames bypass the buffer. It is held
// for the connection's life, so it stays small.
const readBufferBytes = 8 << 10

// conn is one client connection: a reader goroutine that reads, decodes and
// hands requests to the Handler in order, and a writer goroutine that writes
// replies in the same order. They meet in queue; slots bounds how many
// requests are between them.
//
// Shutdown: the reader stops (peer closed, bad input, CloseConnection, or
// abort) and closes queue; the writer writes or drops what is queued, calling
// every Later function, and returns; serve then cancels ctx and closes the
// socket. abort (write failure, idle, server Close) cancels ctx and closes the
// socket at once, which unblocks both goroutines.
type conn struct {
	srv    *Server
	nc     net.Conn
	info   *ConnInfo
	log    zerolog.Logger
	stats  *listenerMetrics
	ctx    context.Context
	cancel context.CancelCauseFunc

	slots chan struct{}    // a token per request read and not yet answered
	queue chan queuedReply // reader → writer, in request order

	started  time.Time    // monotonic origin for lastSeen
	lastSeen atomic.Int64 // nanoseconds since started of the last read or write progress
	served   atomic.Int64 // requests completed, for the close log line

	reasonMu sync.Mutex
	reason   error // why the connection closed; the first one recorded wins

	reader connReader
	writer connWriter
}

type queuedReply struct {
	req   *Request
	reply Reply
}

func newConn(s *Server, nc net.Conn, listener string, id uint64) *conn {
	info := &ConnInfo{ID: id, Listener: listener, Remote: nc.RemoteAddr(), Local: nc.LocalAddr()}
	ctx, cancel := context.WithCancelCause(s.ctx)
	c := &conn{
		srv:     s,
		nc:      nc,
		info:    info,
		log:     s.log.With().Uint64("conn", id).Str("listener", listener).Stringer("remote", addrString{info.Remote}).Logger(),
		stats:   s.metrics.forListener(listener),
		ctx:     ctx,
		cancel:  cancel,
		slots:   make(chan struct{}, s.cfg.MaxInFlightPerConn),
		queue:   make(chan queuedReply, s.cfg.MaxInFlightPerConn),
		started: time.Now(),
	}
	c.reader = connReader{c: c, br: bufio.NewReaderSize(nc, readBufferBytes)}
	c.writer = connWriter{c: c}
	return c
}

// serve runs the connection to its end. The writer goroutine is owned and
// waited for here; serve itself is counted in the Server's WaitGroup.
func (c *conn) serve() {
	defer c.srv.connDone(c)
	deadline := time.Now().Add(c.srv.cfg.IdleTimeout)
	_ = c.nc.SetReadDeadline(deadline)
	_ = c.nc.SetWriteDeadline(deadline)

	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		c.writer.run()
	}()
	c.setReason(c.reader.run())
	<-writerDone
	c.cancel(c.closeReason())
	_ = c.nc.Close()
	c.logClose()
}

// abort ends the connection now: Handle's ctx is cancelled and the socket
// closed, unblocking the reader and writer.
func (c *conn) abort(reason error) {
	c.setReason(reason)
	c.cancel(reason)
	_ = c.nc.Close()
}

func (c *conn) setReason(err error) {
	if err == nil {
		return
	}
	c.reasonMu.Lock()
	if c.reason == nil {
		c.reason = err
	}
	c.reasonMu.Unlock()
}

func (c *conn) closeReason() error {
	c.reasonMu.Lock()
	defer c.reasonMu.Unlock()
	return c.reason
}

// touch records read or write progress, which keeps the connection from
// counting as idle.
func (c *conn) touch(now time.Time) {
	c.lastSeen.Store(int64(now.Sub(c.started)))
}

// extendDeadline is called when a read or write deadline expired. Deadlines
// are pushed forward lazily (not on every request): if there was progress
// within IdleTimeout the deadline moves to IdleTimeout after it and the
// caller retries; otherwise the connection is idle.
func (c *conn) extendDeadline(set func(time.Time) error) bool {
	now := time.Now()
	idle := now.Sub(c.started) - time.Duration(c.lastSeen.Load())
	if idle >= c.srv.cfg.IdleTimeout {
		return false
	}
	return set(now.Add(c.srv.cfg.IdleTimeout-idle)) == nil
}

// logClose writes the connection's one closing log line, at a level that
// says whose fault it was.
func (c *conn) logClose() {
	reason := c.closeReason()
	ev := c.log.Debug()
	var fse *FrameSizeError
	switch {
	case reason == nil || isDisconnect(reason) || errors.Is(reason, ErrServerClosed):
	case errors.As(reason, &fse):
		ev = c.log.Warn().Int32("length", fse.Length).Int32("limit", fse.Limit)
	case errors.Is(reason, ErrMalformedRequest), errors.Is(reason, ErrUnknownAPIKey),
		errors.Is(reason, ErrUnsupportedVersion):
		ev = c.log.Warn()
	case errors.Is(reason, ErrBadReply):
		ev = c.log.Error()
	default:
		ev = c.log.Info()
	}
	ev.Err(reason).Int64("requests", c.served.Load()).Msg("connection closed")
}

// isDisconnect reports errors that mean the peer went away or we closed the
// socket ourselves: routine, not worth more than a debug line.
func isDisconnect(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, io.ErrClosedPipe)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// addrString prints a possibly nil net.Addr.
type addrString struct{ net.Addr }

func (a addrString) String() string {
	if a.Addr == nil {
		return ""
	}
	return a.Addr.String()
}

// abortReading handles a failed read. An idle connection is closed at once.
// Otherwise the peer is gone or the socket broke: Handle's ctx is cancelled
// so Later replies stop waiting, and the writer still tries to send what is
// ready (a half-closed peer may be reading).
func (c *conn) abortReading(err error) {
	if errors.Is(err, ErrIdleTimeout) {
		c.abort(err)
		return
	}
	c.setReason(err)
	c.cancel(err)
}

package wire

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

const keyProduce = 0

// connReader is the reader half of a conn; its fields are touched only by
// the reader goroutine.
type connReader struct {
	c        *conn
	br       *bufio.Reader
	sizeBuf  [4]byte
	prefix   [minFrameSize]byte
	clientID *string // the last client id seen, reused while it repeats
}

// run reads, decodes and dispatches requests until the connection should
// stop reading, and returns why. It closes the queue on the way out so the
// writer finishes.
func (r *connReader) run() error {
	c := r.c
	defer close(c.queue)
	for {
		if err := r.acquireSlot(); err != nil {
			return err
		}
		req, err := r.readRequest()
		if err != nil {
			<-c.slots
			if !isProtocolError(err) {
				// The peer is gone or the socket failed: earlier
				// Later replies should stop waiting.
				c.abortReading(err)
			}
			return err
		}
		reply := c.srv.handler.Handle(c.ctx, req)
		c.queue <- queuedReply{req: req, reply: reply}
		switch reply.kind {
		case replyClose:
			if reply.err == nil {
				return errors.New("closed by handler")
			}
			return reply.err
		case replyInvalid:
			return fmt.Errorf("%w: zero Reply for %s", ErrBadReply, keyName(req.Key))
		}
	}
}

// acquireSlot waits for room in the pipeline. While the connection has
// MaxInFlightPerConn requests outstanding it does not read its socket.
func (r *connReader) acquireSlot() error {
	c := r.c
	select {
	case c.slots <- struct{}{}:
		return nil
	default:
	}
	if hook := c.srv.hooks.pipelineFull; hook != nil {
		hook(c.info)
	}
	select {
	case c.slots <- struct{}{}:
		return nil
	case <-c.ctx.Done():
		return context.Cause(c.ctx)
	}
}

// readRequest reads and decodes one frame. The length prefix is checked
// before anything is allocated for the frame.
func (r *connReader) readRequest() (*Request, error) {
	c := r.c
	if err := r.readFull(r.sizeBuf[:]); err != nil {
		return nil, err
	}
	size := int32(binary.BigEndian.Uint32(r.sizeBuf[:]))
	if size < minFrameSize || size > c.srv.cfg.MaxRequestBytes {
		return nil, &FrameSizeError{Length: size, Limit: c.srv.cfg.MaxRequestBytes}
	}
	frame, pooled, err := r.readFrame(int(size))
	if err != nil {
		return nil, err
	}
	received := time.Now()
	c.touch(received)
	c.stats.bytesIn.Add(float64(size) + 4)
	d, err := c.srv.decoder.decode(frame)
	if err != nil {
		c.srv.frames.put(pooled)
		return nil, err
	}
	return &Request{
		Key:                d.header.key,
		Version:            d.header.version,
		CorrelationID:      d.header.correlationID,
		ClientID:           r.internClientID(d.header),
		Body:               d.body,
		Conn:               c.info,
		Received:           received,
		Size:               int(size),
		UnsupportedVersion: d.unsupportedAPIVersions,
		frame:              pooled,
	}, nil
}

// readFrame reads a frame of size bytes. Produce frames come from the pool
// (pooled is then non-nil); large frames grow as their bytes arrive.
func (r *connReader) readFrame(size int) (frame []byte, pooled *frameBuffer, err error) {
	if err := r.readFull(r.prefix[:]); err != nil {
		return nil, nil, err
	}
	key := int16(binary.BigEndian.Uint16(r.prefix[:]))
	if key == keyProduce {
		pooled = r.c.srv.frames.get(size)
	}
	switch {
	case pooled != nil:
		frame = pooled.buf
	case size <= eagerFrameBytes:
		frame = make([]byte, size)
	default:
		frame, err = r.readLargeFrame(size)
		return frame, nil, err
	}
	copy(frame, r.prefix[:])
	if err := r.readFull(frame[minFrameSize:]); err != nil {
		r.c.srv.frames.put(pooled)
		return nil, nil, err
	}
	return frame, pooled, nil
}

// readLargeFrame reads a frame bigger than eagerFrameBytes into a buffer
// that doubles as bytes arrive, so memory follows what the peer actually
// sent rather than what it claimed.
func (r *connReader) readLargeFrame(size int) ([]byte, error) {
	buf := make([]byte, minFrameSize, eagerFrameBytes)
	copy(buf, r.prefix[:])
	for len(buf) < size {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(2*cap(buf), size))
			copy(grown, buf)
			buf = grown
		}
		end := min(cap(buf), size, len(buf)+frameChunkBytes)
		if err := r.readFull(buf[len(buf):end]); err != nil {
			return nil, err
		}
		buf = buf[:end]
		r.c.touch(time.Now())
	}
	return buf, nil
}

// readFull fills p. A read deadline that expires while the connection is
// not idle is extended and the read resumed.
func (r *connReader) readFull(p []byte) error {
	for len(p) > 0 {
		n, err := r.br.Read(p)
		p = p[n:]
		if err != nil {
			if len(p) == 0 {
				return nil
			}
			if isTimeout(err) {
				if r.c.extendDeadline(r.c.nc.SetReadDeadline) {
					continue
				}
				return ErrIdleTimeout
			}
			return err
		}
	}
	return nil
}

// internClientID returns the client id as a string, reusing the previous
// one when it repeats (clients send the same id on every request).
func (r *connReader) internClientID(h requestHeader) *string {
	if h.clientIDNull {
		return nil
	}
	if r.clientID == nil || *r.clientID != string(h.clientID) {
		s := string(h.clientID)
		r.clientID = &s
	}
	return r.clientID
}

// isProtocolError reports errors caused by what the peer sent (as opposed to
// the socket failing): earlier replies are still written before closing.
func isProtocolError(err error) bool {
	var fse *FrameSizeError
	return errors.As(err, &fse) || errors.Is(err, ErrMalformedRequest) ||
		errors.Is(err, ErrUnknownAPIKey) || errors.Is(err, ErrUnsupportedVersion)
}

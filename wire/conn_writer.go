package wire

import (
	"encoding/binary"
	"fmt"
	"reflect"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// flushBytes: once this much output is buffered it is written even if more
// replies are queued behind it.
const flushBytes = 64 << 10

// connWriter is the writer half of a conn; its fields are touched only by
// the writer goroutine.
type connWriter struct {
	c *conn
	// out holds encoded responses not yet written. It comes from the
	// Server's pool while the writer has work and goes back when the queue
	// runs dry, so idle connections hold no output buffer.
	out *[]byte
	// broken: a write failed or a reply was invalid; the rest of the queue
	// is drained (every Later function still runs) without writing.
	broken bool
}

// run writes replies in request order until the reader closes the queue.
// Responses that are ready together leave in one write: output is flushed
// when the queue is empty, when flushBytes are buffered, and before waiting
// on a Later reply.
func (w *connWriter) run() {
	for q := range w.c.queue {
		w.complete(q)
		if len(w.c.queue) == 0 || w.buffered() >= flushBytes {
			w.flush()
		}
	}
	w.flush()
}

// complete encodes one reply and releases the request's frame and slot.
func (w *connWriter) complete(q queuedReply) {
	c := w.c
	switch q.reply.kind {
	case replyNow:
		w.encode(q.req, q.reply.resp)
	case replyLater:
		w.flush() // earlier responses must not wait behind a blocking f
		w.encode(q.req, q.reply.later())
	case replyNone, replyClose, replyInvalid:
		// Nothing to send; the reader has stopped after a close or
		// invalid reply, so this is the last item.
	}
	c.srv.frames.put(q.req.frame)
	q.req.frame = nil
	<-c.slots
	c.served.Add(1)
	c.srv.metrics.requestDone(q.req, time.Now())
}

// encode appends resp, framed, at the request's version.
func (w *connWriter) encode(req *Request, resp kmsg.Response) {
	if w.broken {
		if st, ok := resp.(Streamed); ok && !isNilResponse(resp) {
			st.Release() // never written, but its pins must go
		}
		return
	}
	if isNilResponse(resp) || resp.Key() != req.Key {
		w.fail(fmt.Errorf("%w: %s request answered with %s", ErrBadReply, keyName(req.Key), responseName(resp)))
		return
	}
	if w.out == nil {
		w.out = w.c.srv.getOutBuffer()
	}
	resp.SetVersion(req.responseVersion())
	if st, ok := resp.(Streamed); ok {
		w.stream(req, st)
		return
	}
	out := *w.out
	start := len(out)
	out = append(out, 0, 0, 0, 0) // length, filled in below
	out = appendResponseHeader(out, req.Key, req.CorrelationID, resp.IsFlexible())
	out = resp.AppendTo(out)
	binary.BigEndian.PutUint32(out[start:], uint32(len(out)-start-4))
	*w.out = out
}

// stream writes a Streamed response: frame length and header into the
// buffer, then the body through a StreamWriter (file ranges go out with
// sendfile). A body that does not match its promised size breaks the
// connection: the client could not find the next frame.
func (w *connWriter) stream(req *Request, st Streamed) {
	defer st.Release()
	size := st.StreamSize()
	out := *w.out
	start := len(out)
	out = append(out, 0, 0, 0, 0)
	out = appendResponseHeader(out, req.Key, req.CorrelationID, st.IsFlexible())
	binary.BigEndian.PutUint32(out[start:], uint32(len(out)-start-4+size))
	*w.out = out
	sw := &StreamWriter{w: w}
	if err := st.StreamTo(sw); err != nil {
		w.fail(fmt.Errorf("stream %s response: %w", keyName(req.Key), err))
		return
	}
	if sw.written != size {
		w.fail(fmt.Errorf("%w: %s response promised %d body bytes, wrote %d", ErrBadReply, keyName(req.Key), size, sw.written))
	}
}

func (w *connWriter) buffered() int {
	if w.out == nil {
		return 0
	}
	return len(*w.out)
}

// flush writes buffered output and, if nothing is queued, returns the
// buffer to the pool.
func (w *connWriter) flush() {
	if w.out == nil {
		return
	}
	w.flushKeep()
	if len(w.c.queue) == 0 {
		w.c.srv.putOutBuffer(w.out)
		w.out = nil
	}
}

// flushKeep writes buffered output and keeps the (now empty) buffer.
func (w *connWriter) flushKeep() {
	out := *w.out
	if len(out) > 0 && !w.broken {
		if err := w.writeFull(out); err != nil {
			w.fail(err)
		} else {
			w.c.stats.bytesOut.Add(float64(len(out)))
		}
	}
	*w.out = out[:0]
}

// writeFull writes p. A write deadline that expires while the connection
// is not idle is extended and the write resumed.
func (w *connWriter) writeFull(p []byte) error {
	c := w.c
	for len(p) > 0 {
		n, err := c.nc.Write(p)
		p = p[n:]
		if n > 0 {
			c.touch(time.Now())
		}
		if err != nil {
			if len(p) > 0 && isTimeout(err) {
				if c.extendDeadline(c.nc.SetWriteDeadline) {
					continue
				}
				return ErrIdleTimeout
			}
			if len(p) > 0 {
				return err
			}
		}
	}
	return nil
}

func (w *connWriter) fail(err error) {
	w.broken = true
	w.c.abort(err)
}

func isNilResponse(resp kmsg.Response) bool {
	if resp == nil {
		return true
	}
	v := reflect.ValueOf(resp)
	return v.Kind() == reflect.Ptr && v.IsNil()
}

func responseName(resp kmsg.Response) string {
	if isNilResponse(resp) {
		return "nil"
	}
	return keyName(resp.Key()) + " response"
}

func keyName(key int16) string { return kmsg.NameForKey(key) }

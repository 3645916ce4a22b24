package wire

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
	"golang.org/x/sys/unix"
)

// Streamed is a response that writes its own body instead of being
// encoded with kmsg: byte runs it encodes itself, interleaved with ranges of
// files that go from the page cache to the socket with sendfile(2), never
// through user memory. Fetch responses use it for record batches.
//
// The wire layer calls StreamSize once, then StreamTo exactly once on the
// writer goroutine, then Release exactly once whatever happened (also when
// the connection broke first and nothing was written).
type Streamed interface {
	kmsg.Response
	// StreamSize is the exact number of body bytes StreamTo writes.
	StreamSize() int
	// StreamTo writes the body. It must write exactly StreamSize bytes.
	StreamTo(w *StreamWriter) error
	// Release frees what the response holds (pinned segment files).
	Release()
}

// StreamWriter is what a Streamed response writes its body to. Bytes are
// buffered with the connection's other output; a file range first flushes
// that buffer, then is sent with sendfile.
type StreamWriter struct {
	w       *connWriter
	written int
}

// Write appends p to the output.
func (s *StreamWriter) Write(p []byte) (int, error) {
	if s.w.broken {
		return 0, errStreamBroken
	}
	*s.w.out = append(*s.w.out, p...)
	s.written += len(p)
	if len(*s.w.out) >= flushBytes {
		s.w.flushKeep()
	}
	return len(p), nil
}

// File is an open file whose descriptor the caller keeps valid (pinned)
// until the response is released: *os.File and log's vfs.File are Files.
type File interface {
	Fd() uintptr
	Name() string
}

// SendFile writes n bytes of f starting at offset. If the file holds fewer
// (it was truncated underneath the response), the connection is broken: the
// frame length already promised those bytes.
func (s *StreamWriter) SendFile(f File, offset int64, n int) error {
	if s.w.broken {
		return errStreamBroken
	}
	s.w.flushKeep()
	if s.w.broken {
		return errStreamBroken
	}
	sent, err := s.w.sendFile(f, offset, n)
	s.written += sent
	if err != nil {
		s.w.fail(fmt.Errorf("sendfile %s at %d (+%d): %w", f.Name(), offset, n, err))
		return err
	}
	s.w.c.stats.bytesOut.Add(float64(sent))
	return nil
}

// CopyFile appends n bytes of f from offset to the output, read with
// pread straight into the connection's buffer: for ranges too small to be
// worth a sendfile (which first flushes that buffer).
func (s *StreamWriter) CopyFile(f File, offset int64, n int) error {
	if s.w.broken {
		return errStreamBroken
	}
	out := *s.w.out
	start := len(out)
	out = slices.Grow(out, n)[:start+n]
	read := 0
	for read < n {
		m, err := unix.Pread(int(f.Fd()), out[start+read:], offset+int64(read))
		if err == unix.EINTR {
			continue
		}
		if err != nil || m <= 0 {
			*s.w.out = out[:start]
			if err == nil {
				err = errShortFile
			}
			s.w.fail(fmt.Errorf("read %s at %d (+%d): %w", f.Name(), offset, n, err))
			return err
		}
		read += m
	}
	*s.w.out = out
	s.written += n
	if len(out) >= flushBytes {
		s.w.flushKeep()
	}
	return nil
}

var errStreamBroken = errors.New("connection broken while streaming a response")

// errShortFile: sendfile met the end of the file before the range ended.
var errShortFile = errors.New("file ended before the promised range")

// sendFile copies n bytes of f from offset to the socket with sendfile(2).
// The socket is non-blocking under Go's poller: on EAGAIN the callback
// returns false and RawConn.Write waits for writability, honouring the
// write deadline, which is extended like writeFull does while the
// connection is not idle. f's descriptor is pinned by the caller.
func (w *connWriter) sendFile(f File, offset int64, n int) (int, error) {
	sc, ok := w.c.nc.(syscall.Conn)
	if !ok {
		return w.copyFile(f, offset, n)
	}
	sock, err := sc.SyscallConn()
	if err != nil {
		return 0, err
	}
	ffd := int(f.Fd())
	sent := 0
	for sent < n {
		var opErr error
		werr := sock.Write(func(sfd uintptr) bool {
			for sent < n {
				m, serr := unix.Sendfile(int(sfd), ffd, &offset, n-sent)
				sent += max(m, 0)
				switch {
				case m > 0 || serr == unix.EINTR:
				case serr == unix.EAGAIN:
					return false // wait until the socket is writable
				case serr != nil:
					opErr = serr
					return true
				default: // no error, nothing sent: end of file
					opErr = errShortFile
					return true
				}
			}
			return true
		})
		if werr != nil {
			if isTimeout(werr) && w.c.extendDeadline(w.c.nc.SetWriteDeadline) {
				continue
			}
			return sent, werr
		}
		if opErr != nil {
			return sent, opErr
		}
	}
	w.c.touch(time.Now())
	return sent, nil
}

// copyFile is the fallback for connections that are not real sockets
// (net.Pipe in tests): read the range with pread and write it.
func (w *connWriter) copyFile(f File, offset int64, n int) (int, error) {
	buf := make([]byte, min(n, 256<<10))
	sent := 0
	for sent < n {
		m, err := unix.Pread(int(f.Fd()), buf[:min(len(buf), n-sent)], offset+int64(sent))
		if m < 0 {
			m = 0
		}
		if m == 0 && err == nil {
			err = io.EOF
		}
		if m > 0 {
			if werr := w.writeFull(buf[:m]); werr != nil {
				return sent, werr
			}
			sent += m
		}
		if err == io.EOF && sent < n {
			return sent, errShortFile
		}
		if err != nil && err != io.EOF {
			return sent, err
		}
	}
	return sent, nil
}

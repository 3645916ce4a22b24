package wire

import (
	"errors"
	"fmt"
)

// Errors that end a connection. They are logged with the connection and
// never reach a client: Kafka answers none of these with an error code, it
// closes the socket.
var (
	// ErrMalformedRequest: a request header or body does not decode.
	ErrMalformedRequest = errors.New("malformed request")
	// ErrUnknownAPIKey: the API key is not one kmsg knows.
	ErrUnknownAPIKey = errors.New("unknown api key")
	// ErrUnsupportedVersion: the handler does not serve this version of
	// the API (ApiVersions is answered instead, see Request).
	ErrUnsupportedVersion = errors.New("unsupported api version")
	// ErrIdleTimeout: nothing was read or written for Config.IdleTimeout.
	ErrIdleTimeout = errors.New("connection idle")
	// ErrServerClosed is returned by Serve after Close.
	ErrServerClosed = errors.New("wire: server closed")
	// ErrBadReply: the handler returned a nil response or one for another
	// API key; the connection is closed rather than sending garbage.
	ErrBadReply = errors.New("handler returned an invalid reply")
)

// FrameSizeError is a frame whose length prefix is negative, smaller than
// the smallest request header, or larger than Config.MaxRequestBytes. The
// frame's bytes are never read or allocated.
type FrameSizeError struct {
	Length int32 // the length prefix as sent
	Limit  int32 // Config.MaxRequestBytes
}

func (e *FrameSizeError) Error() string {
	if e.Length < minFrameSize {
		return fmt.Sprintf("request frame length %d is below the minimum %d", e.Length, minFrameSize)
	}
	return fmt.Sprintf("request frame length %d exceeds the limit %d (socket.request.max.bytes)", e.Length, e.Limit)
}

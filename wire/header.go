package wire

import (
	"encoding/binary"
	"fmt"
)

// minFrameSize is the smallest request: api key (2), api version (2) and
// correlation id (4); ControlledShutdown v0's header v0 has nothing more.
const minFrameSize = 8

const (
	keyControlledShutdown = 7
	keyApiVersions        = 18
)

// requestHeader is a decoded request header. clientID and body alias the
// frame.
type requestHeader struct {
	key, version  int16
	correlationID int32
	clientID      []byte
	clientIDNull  bool
	body          []byte
}

// parseHeaderPrefix reads the fields every header version starts with.
func parseHeaderPrefix(frame []byte) (key, version int16, correlationID int32, ok bool) {
	if len(frame) < minFrameSize {
		return 0, 0, 0, false
	}
	key = int16(binary.BigEndian.Uint16(frame[0:]))
	version = int16(binary.BigEndian.Uint16(frame[2:]))
	correlationID = int32(binary.BigEndian.Uint32(frame[4:]))
	return key, version, correlationID, true
}

// parseRequestHeader decodes a request header. Header v1 adds a nullable
// client id (never compact, even in header v2, so that any broker can read
// an ApiVersions request); header v2 (flexible requests) adds a tagged-field
// section, whose tags are skipped as none are defined. ControlledShutdown v0
// uses header v0, which stops after the correlation id.
func parseRequestHeader(frame []byte, flexible bool) (requestHeader, error) {
	var h requestHeader
	var ok bool
	h.key, h.version, h.correlationID, ok = parseHeaderPrefix(frame)
	if !ok {
		return h, fmt.Errorf("%w: header is %d bytes, below the minimum %d", ErrMalformedRequest, len(frame), minFrameSize)
	}
	rest := frame[minFrameSize:]
	if h.key == keyControlledShutdown && h.version == 0 {
		h.clientIDNull = true
		h.body = rest
		return h, nil
	}
	if len(rest) < 2 {
		return h, fmt.Errorf("%w: header ends before the client id", ErrMalformedRequest)
	}
	n := int(int16(binary.BigEndian.Uint16(rest)))
	rest = rest[2:]
	if n < 0 {
		h.clientIDNull = true
	} else {
		if n > len(rest) {
			return h, fmt.Errorf("%w: client id length %d exceeds the %d bytes left", ErrMalformedRequest, n, len(rest))
		}
		h.clientID, rest = rest[:n], rest[n:]
	}
	if flexible {
		var err error
		if rest, err = skipTaggedFields(rest); err != nil {
			return h, fmt.Errorf("%w: header tagged fields: %v", ErrMalformedRequest, err)
		}
	}
	h.body = rest
	return h, nil
}

// skipTaggedFields skips a tagged-field section, returning what follows it.
// Each tag consumes at least two bytes, so a hostile count fails fast.
func skipTaggedFields(b []byte) ([]byte, error) {
	count, n := readUvarint32(b)
	if n == 0 {
		return nil, fmt.Errorf("bad tag count")
	}
	b = b[n:]
	for ; count > 0; count-- {
		_, n := readUvarint32(b) // tag key
		if n == 0 {
			return nil, fmt.Errorf("bad tag key")
		}
		b = b[n:]
		size, n := readUvarint32(b)
		if n == 0 || int(size) > len(b)-n {
			return nil, fmt.Errorf("bad tag size")
		}
		b = b[n+int(size):]
	}
	return b, nil
}

// appendResponseHeader appends a response header: the correlation id and,
// for flexible responses (header v1), an empty tagged-field section.
// ApiVersions responses always use header v0 so that a client that does not
// yet know the broker's versions can read them.
func appendResponseHeader(dst []byte, key int16, correlationID int32, flexible bool) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(correlationID))
	if flexible && key != keyApiVersions {
		dst = append(dst, 0)
	}
	return dst
}

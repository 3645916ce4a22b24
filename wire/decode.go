package wire

import (
	"fmt"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// decoder turns a frame (the bytes after the length prefix) into a header
// and a kmsg request body. It is safe for concurrent use: it only reads the
// immutable shape table and calls supports.
type decoder struct {
	shapes   *bodyShapes
	supports func(key, version int16) bool
}

type decodedRequest struct {
	header requestHeader
	body   kmsg.Request
	// unsupportedAPIVersions: an ApiVersions request at a version not
	// served; body is an empty v0 ApiVersionsRequest.
	unsupportedAPIVersions bool
}

// decode parses one frame. Errors wrap ErrMalformedRequest, ErrUnknownAPIKey
// or ErrUnsupportedVersion. It never panics, whatever the bytes: the body is
// walked against its shape (checkBody) before kmsg reads it.
func (d *decoder) decode(frame []byte) (decodedRequest, error) {
	key, version, _, ok := parseHeaderPrefix(frame)
	if !ok {
		return decodedRequest{}, fmt.Errorf("%w: frame of %d bytes is shorter than a header", ErrMalformedRequest, len(frame))
	}
	body := kmsg.RequestForKey(key)
	if body == nil {
		return decodedRequest{}, fmt.Errorf("%w %d", ErrUnknownAPIKey, key)
	}
	if !d.served(body, key, version) {
		if key != keyApiVersions {
			return decodedRequest{}, fmt.Errorf("%w: %s v%d", ErrUnsupportedVersion, kmsg.NameForKey(key), version)
		}
		return d.unsupportedAPIVersions(frame)
	}
	body.SetVersion(version)
	flexible := body.IsFlexible()
	h, err := parseRequestHeader(frame, flexible)
	if err != nil {
		return decodedRequest{}, fmt.Errorf("%s v%d: %w", kmsg.NameForKey(key), version, err)
	}
	s := d.shapes.lookup(key, version)
	if s == nil || !checkBody(s, h.body, flexible) {
		return decodedRequest{}, fmt.Errorf("%w: %s v%d body of %d bytes does not match the request's layout",
			ErrMalformedRequest, kmsg.NameForKey(key), version, len(h.body))
	}
	if err := body.ReadFrom(h.body); err != nil {
		return decodedRequest{}, fmt.Errorf("%w: %s v%d body: %v", ErrMalformedRequest, kmsg.NameForKey(key), version, err)
	}
	return decodedRequest{header: h, body: body}, nil
}

// served reports whether this build can decode the version and the handler
// serves it.
func (d *decoder) served(body kmsg.Request, key, version int16) bool {
	return version >= 0 && version <= body.MaxVersion() && d.supports(key, version)
}

// unsupportedAPIVersions handles an ApiVersions request at a version the
// handler does not serve. As Kafka does, only the header up to the client id
// is read (a newer header or body may not parse); the handler answers with a
// v0 response carrying UNSUPPORTED_VERSION and the supported versions, from
// which the client picks a version to retry with.
func (d *decoder) unsupportedAPIVersions(frame []byte) (decodedRequest, error) {
	h, err := parseRequestHeader(frame, false)
	if err != nil {
		return decodedRequest{}, fmt.Errorf("ApiVersions v%d (unsupported): %w", h.version, err)
	}
	return decodedRequest{header: h, body: kmsg.NewPtrApiVersionsRequest(), unsupportedAPIVersions: true}, nil
}

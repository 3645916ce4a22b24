package wire

import (
	"context"
	"net"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// Handler serves decoded requests. The Server calls it from many connections
// at once, so it must be safe for concurrent use.
type Handler interface {
	// Supports reports whether this API key and version is served. It is
	// the single source of truth for ApiVersions (the handler builds that
	// response from the same table). A request for a version it does not
	// support closes the connection, except ApiVersions (see
	// Request.UnsupportedVersion). It is called once per request and must
	// be cheap.
	Supports(key, version int16) bool

	// Handle is called on the connection's reader goroutine, one request
	// at a time, in arrival order. It must not block for long; work that
	// waits (acks=all, fetch long-poll) goes in a Later reply.
	//
	// ctx is cancelled when the connection closes or the server stops, so
	// Later replies and long polls can give up.
	//
	// The request is the handler's to read, not to modify. Its []byte
	// fields (Produce records, JoinGroup metadata, ...) alias the request
	// frame and are valid only until the reply has been written: copy what
	// must outlive the reply. Strings are copies and may be kept.
	Handle(ctx context.Context, req *Request) Reply
}

// Request is one decoded Kafka request.
type Request struct {
	Key           int16 // API key
	Version       int16 // API version as sent; the response is encoded at this version
	CorrelationID int32
	ClientID      *string // nil when the client sent a null client id

	// Body is the kmsg request for Key, decoded at Version.
	Body kmsg.Request

	Conn     *ConnInfo
	Received time.Time // when the whole frame had been read
	Size     int       // frame size in bytes, excluding the 4-byte length prefix

	// UnsupportedVersion is set only for ApiVersions: the client asked a
	// version the handler does not serve. Body is an empty v0
	// ApiVersionsRequest and the reply must be an ApiVersionsResponse
	// carrying UNSUPPORTED_VERSION (35) and the supported table; it is
	// encoded as v0 whatever version it is set to.
	UnsupportedVersion bool

	frame *frameBuffer // pooled bytes Body may alias; released after the reply is written
}

// responseVersion is the version the response is encoded at.
func (r *Request) responseVersion() int16 {
	if r.UnsupportedVersion {
		return 0
	}
	return r.Version
}

// ConnInfo describes the connection a request arrived on. It is shared by
// all requests of that connection and must not be modified.
type ConnInfo struct {
	ID       uint64 // unique within the Server
	Listener string // the listener name given to Serve (PLAINTEXT, CONTROLLER, ...)
	Remote   net.Addr
	Local    net.Addr
}

// Reply is what Handle returns: a response now, a response later, nothing,
// or an instruction to close the connection. Build it with Respond,
// RespondLater, NoResponse or CloseConnection; the zero Reply is invalid and
// closes the connection.
type Reply struct {
	kind  replyKind
	resp  kmsg.Response
	later func() kmsg.Response
	err   error
}

type replyKind uint8

const (
	replyInvalid replyKind = iota
	replyNow
	replyLater
	replyNone
	replyClose
)

// Respond replies with resp, ready now. The wire layer sets its version to
// the request's (the response must not be shared with other requests) and
// encodes it after every earlier reply on the connection, on the writer
// goroutine: resp, and any bytes it references (fetched records), must stay
// valid and unchanged until then. The wire layer keeps nothing of resp
// after encoding it.
func Respond(resp kmsg.Response) Reply {
	return Reply{kind: replyNow, resp: resp}
}

// RespondLater replies with the response f returns. f runs on the
// connection's writer goroutine, in request order: the connection keeps
// reading and handling later requests meanwhile, but their responses wait
// for this one. f may block (bounded by the handler, and it should give up
// when Handle's ctx is done). f is called exactly once, even if the
// connection has closed by then (its result is then discarded), so it may
// release what the handler set up. The response is encoded as soon as f
// returns; as with Respond, its bytes must stay valid until then.
func RespondLater(f func() kmsg.Response) Reply {
	return Reply{kind: replyLater, later: f}
}

// NoResponse sends nothing, e.g. for Produce with acks=0. The request still
// takes its place in the connection's order.
func NoResponse() Reply {
	return Reply{kind: replyNone}
}

// CloseConnection writes every earlier reply, then closes the connection and
// logs reason. The connection reads no further requests.
func CloseConnection(reason error) Reply {
	return Reply{kind: replyClose, err: reason}
}

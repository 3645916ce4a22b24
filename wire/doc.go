// Package wire is Skiff's Kafka network layer: TCP listeners, Kafka's
// size-prefixed framing, request headers, decoding request bodies with kmsg,
// per-connection ordering, dispatch to a Handler, encoding responses, and a
// listener multiplexer (Mux) for the controller port.
//
// It knows nothing about partitions or groups: wire/kafkaapi implements the
// Handler, one file per Kafka API, and chooses every Kafka error code. wire
// itself answers nothing with an error code; requests it cannot read close
// their connection.
//
// # On the wire
//
// Every request and response is a frame: a big-endian int32 length, then
// that many bytes. A request frame starts with a header:
//
//	v0 (ControlledShutdown v0 only): api_key int16, api_version int16, correlation_id int32
//	v1: v0 + client_id nullable string (int16 length, -1 = null)
//	v2 (flexible versions, KIP-482): v1 + tagged fields (uvarint count, then key/size/bytes)
//
// The client id stays a non-compact string even in v2, so any broker can read
// the header of an ApiVersions request. A response header is the correlation
// id (v0), plus an empty tagged-field section for flexible responses (v1);
// ApiVersions responses always use v0. Responses are encoded at the
// request's version.
//
// # Invariants
//
//   - Responses leave a connection strictly in request order, whatever order
//     handlers finish in. The connection's reader goroutine reads, decodes and
//     calls Handler.Handle one request at a time; its writer goroutine writes
//     replies in the same order, waiting for Later replies, and batches
//     responses that are ready together into one write. NoResponse (acks=0)
//     writes nothing but keeps its place.
//   - At most Config.MaxInFlightPerConn requests per connection are read and
//     unanswered; at the limit the connection stops reading its socket.
//   - A frame length that is negative, below the smallest header, or above
//     Config.MaxRequestBytes closes the connection before anything is
//     allocated for the frame. Large frames are read into a buffer that grows
//     as bytes arrive.
//   - Nothing read from the network can panic or hang the server, and
//     decoding allocates in proportion to the elements actually present: a
//     request body is walked against its wire layout (shape.go) before kmsg
//     decodes it, because kmsg pre-sizes arrays from claimed counts and loops
//     on claimed tag counts even past the end of its input. (The densest
//     encodings, such as a Metadata request of empty topic names, still
//     decode to some 25 bytes of Go structs per wire byte, as Kafka's own
//     decoder does to Java objects.) A request that does not decode, an unknown API
//     key, or a version Handler.Supports rejects closes only its own
//     connection, with one log line. ApiVersions at an unsupported version
//     is the exception Kafka makes: it is passed on as a v0 request with
//     Request.UnsupportedVersion set, so the client learns what to retry
//     with. Bytes after a request body are ignored, as Kafka does.
//   - Produce frames come from a pool of size classes. kmsg decodes Produce
//     records as sub-slices of the frame, so a request's []byte fields are
//     valid only until its reply has been written; the frame is then reused.
//     Other APIs' frames are not pooled, but handlers should still copy any
//     []byte field they keep.
//   - Every goroutine is owned: Server.Close stops accepting, cancels every
//     Handle context (cause ErrServerClosed), closes every connection and
//     waits for all of them, including Later functions still running. A
//     connection that reads and writes nothing for Config.IdleTimeout is
//     closed.
//
// # Mux
//
// The controller port carries Raft's transport and Kafka's controller RPCs.
// Mux reads the first four bytes of each connection: a registered preface
// (chosen to be an impossible Kafka frame length) routes the connection to
// its own listener with the preface consumed; anything else goes to Default
// with the bytes replayed, ready for a Server.
//
// # Must not
//
// wire must not import Skiff's other packages, choose Kafka error codes,
// interpret request contents beyond framing, or recover from panics to hide
// a decoding bug: the decoding path is made safe instead, and fuzzed
// (FuzzRequestHeader, FuzzDecodeRequest, FuzzConnStream).
//
// # Metrics
//
// Registered on the Registerer given to NewServer, named as Kafka's JMX
// exporter names them: kafka_network_requestmetrics_requests_total and
// kafka_network_requestmetrics_totaltimems (histogram, read to written) by
// request; kafka_server_socket_server_metrics_connection_count,
// ..._incoming_byte_total, ..._outgoing_byte_total and
// ..._connection_rejected_total by listener.
package wire

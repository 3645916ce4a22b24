// Package wire owns Kafka's network layer: TCP listeners, the size-prefixed
// framing, request headers, decoding request bodies with kmsg, per-connection
// ordering (responses leave in request order even when a handler completes
// later), and dispatch to a Handler by API key.
//
// It knows nothing about partitions or groups: sub-package kafkaapi holds the
// handlers, one file per Kafka API.
package wire

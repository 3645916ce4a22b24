package image

import (
	"errors"
	"fmt"

	"github.com/skiffhq/skiff/metadata/record"
)

// Reasons an entry is rejected. Apply wraps them in an *ApplyError; match
// with errors.Is.
var (
	ErrTopicExists             = errors.New("topic already exists")
	ErrTopicIDExists           = errors.New("topic id already in use")
	ErrTopicNameCollision      = errors.New("topic name collides with an existing topic")
	ErrUnknownTopic            = errors.New("unknown topic")
	ErrUnknownPartition        = errors.New("unknown partition")
	ErrPartitionExists         = errors.New("partition already exists")
	ErrStalePartitionEpoch     = errors.New("stale partition epoch")
	ErrUnknownBroker           = errors.New("unknown broker")
	ErrStaleBrokerEpoch        = errors.New("stale broker epoch")
	ErrProducerIDNotIncreasing = errors.New("producer id block does not advance")
	ErrInvalidRecord           = errors.New("invalid record")
	ErrStaleOffset             = errors.New("entry offset does not advance the image")
)

// ApplyError reports the record that made Apply reject a whole entry.
type ApplyError struct {
	Index  int           // position of the record in the entry
	Record record.Record // the record itself
	Err    error         // one of the Err* sentinels, wrapped with detail
}

func (e *ApplyError) Error() string {
	return fmt.Sprintf("apply record %d (%s): %v", e.Index, e.Record.Type(), e.Err)
}

func (e *ApplyError) Unwrap() error { return e.Err }

package controller

import (
	"context"
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/skiffhq/skiff/metadata/image"
	"github.com/skiffhq/skiff/metadata/quorum"
)

// ErrClosed is returned by every method after Close.
var ErrClosed = errors.New("controller closed")

// apiError is a Kafka error code with the message Kafka would send.
type apiError struct {
	err *kerr.Error
	msg string
}

func errorf(err *kerr.Error, format string, args ...any) *apiError {
	return &apiError{err: err, msg: fmt.Sprintf(format, args...)}
}

func (e *apiError) code() int16 {
	if e == nil {
		return 0
	}
	return e.err.Code
}

// message is the ErrorMessage field: nil on success, and Kafka's message
// (or the error's standard description) on failure.
func (e *apiError) message() *string {
	if e == nil {
		return nil
	}
	m := e.msg
	if m == "" {
		m = e.err.Description
	}
	return &m
}

// proposeError maps a failure to write an entry to what the client sees.
// Not being (or ceasing to be) the leader is NOT_CONTROLLER, which makes
// Kafka clients find the new controller and retry; an entry the image
// rejected maps by reason (these are races the deciding functions rule
// out, so they are rare); anything else is UNKNOWN_SERVER_ERROR.
func proposeError(err error) *apiError {
	switch {
	case errors.Is(err, quorum.ErrNotLeader), errors.Is(err, quorum.ErrClosed), errors.Is(err, ErrClosed):
		return errorf(kerr.NotController, "%v", err)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return errorf(kerr.RequestTimedOut, "%v", err)
	case errors.Is(err, image.ErrTopicExists), errors.Is(err, image.ErrTopicNameCollision):
		return errorf(kerr.TopicAlreadyExists, "%v", err)
	case errors.Is(err, image.ErrUnknownTopic):
		return errorf(kerr.UnknownTopicOrPartition, "%v", err)
	case errors.Is(err, image.ErrStaleBrokerEpoch), errors.Is(err, image.ErrUnknownBroker):
		return errorf(kerr.StaleBrokerEpoch, "%v", err)
	case errors.Is(err, image.ErrStalePartitionEpoch):
		return errorf(kerr.InvalidUpdateVersion, "%v", err)
	}
	return errorf(kerr.UnknownServerError, "%v", err)
}

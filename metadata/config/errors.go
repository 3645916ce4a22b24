package config

import (
	"errors"
	"fmt"
)

// ErrInvalidConfig matches (with errors.Is) every error this package returns
// for a bad key or value, so the API edge needs one check to answer
// INVALID_CONFIG.
var ErrInvalidConfig = errors.New("invalid config")

// hiddenValue replaces a sensitive value in error messages, as Kafka does.
const hiddenValue = "[hidden]"

// InvalidValueError reports a value that does not parse as the key's type or
// is outside its allowed range or set.
type InvalidValueError struct {
	Key    string
	Value  string // hiddenValue for sensitive keys
	Reason string
}

func (e *InvalidValueError) Error() string {
	return fmt.Sprintf("invalid value %q for configuration %s: %s", e.Value, e.Key, e.Reason)
}

// Is makes errors.Is(err, ErrInvalidConfig) true.
func (e *InvalidValueError) Is(target error) bool { return target == ErrInvalidConfig }

// Scope says which catalogue a key was looked up in.
type Scope int8

// The two catalogues.
const (
	ScopeTopic Scope = iota
	ScopeBroker
)

func (s Scope) String() string {
	if s == ScopeTopic {
		return "topic"
	}
	return "broker"
}

// UnknownKeyError reports a key that is not in the catalogue.
type UnknownKeyError struct {
	Key   string
	Scope Scope
}

func (e *UnknownKeyError) Error() string {
	return fmt.Sprintf("unknown %s config name: %s", e.Scope, e.Key)
}

// Is makes errors.Is(err, ErrInvalidConfig) true.
func (e *UnknownKeyError) Is(target error) bool { return target == ErrInvalidConfig }

// ConflictError reports two keys whose values are each valid but not
// together (min.compaction.lag.ms above max.compaction.lag.ms).
type ConflictError struct {
	Key, Other string
	Reason     string
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("conflicting configuration %s and %s: %s", e.Key, e.Other, e.Reason)
}

// Is makes errors.Is(err, ErrInvalidConfig) true.
func (e *ConflictError) Is(target error) bool { return target == ErrInvalidConfig }

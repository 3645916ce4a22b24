package batch

import (
	"encoding/binary"
	"fmt"
)

// ControlType is the type of a control record, from its key: (version
// int16, type int16), both big-endian. Kafka's ControlRecordType.
type ControlType int16

// The control record types Kafka defines.
const (
	ControlAbort  ControlType = 0
	ControlCommit ControlType = 1
)

const controlKeySize = 4

// ControlKey is the key of a control record of type t (key version 0).
func ControlKey(t ControlType) []byte {
	k := make([]byte, controlKeySize)
	binary.BigEndian.PutUint16(k[2:], uint16(t))
	return k
}

// ParseControlKey returns the type named by a control record's key. Like
// Kafka it rejects a negative version or a key shorter than 4 bytes; types
// it does not know are returned as they are.
func ParseControlKey(key []byte) (ControlType, error) {
	if len(key) < controlKeySize {
		return 0, formatErrorf(ReasonRecords, "control record key of %d bytes", len(key))
	}
	if v := int16(binary.BigEndian.Uint16(key)); v < 0 {
		return 0, formatErrorf(ReasonRecords, "control record key version %d", v)
	}
	return ControlType(binary.BigEndian.Uint16(key[2:])), nil
}

// EndTxnMarker is the single record of a transaction marker batch (build
// it with Control and Transactional set and the producer's id and epoch):
// key (0, t), value (version 0, coordinatorEpoch int32).
func EndTxnMarker(t ControlType, coordinatorEpoch int32) Record {
	if t != ControlAbort && t != ControlCommit {
		panic(fmt.Sprintf("end transaction marker of control type %d", t))
	}
	v := make([]byte, 6)
	binary.BigEndian.PutUint32(v[2:], uint32(coordinatorEpoch))
	return Record{Key: ControlKey(t), Value: v}
}

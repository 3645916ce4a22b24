package batch

import "fmt"

// Reason names what is wrong with a batch, so callers can map it to the
// Kafka error code a Kafka broker would send (CORRUPT_MESSAGE for a bad CRC,
// INVALID_RECORD for bad record contents, ...) and tests can name the
// corruption they injected.
type Reason string

// The reasons a batch can fail to parse or validate.
const (
	ReasonShortHeader Reason = "short header"
	ReasonMagic       Reason = "unsupported magic"
	ReasonLength      Reason = "bad length"
	ReasonCount       Reason = "bad record count"
	ReasonCRC         Reason = "crc mismatch"
	ReasonRecords     Reason = "bad records"
	ReasonCodec       Reason = "bad compression"
)

// FormatError reports a batch that is not a well-formed v2 RecordBatch.
type FormatError struct {
	Reason Reason
	Detail string
}

func (e *FormatError) Error() string {
	if e.Detail == "" {
		return fmt.Sprintf("record batch: %s", e.Reason)
	}
	return fmt.Sprintf("record batch: %s: %s", e.Reason, e.Detail)
}

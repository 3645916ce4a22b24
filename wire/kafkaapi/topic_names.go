package kafkaapi

import (
	"fmt"

	"github.com/twmb/franz-go/pkg/kerr"
)

// maxTopicNameLength is Kafka's limit (249: a partition directory name plus
// suffixes must fit in 255 bytes).
const maxTopicNameLength = 249

// validTopicName applies Kafka's topic-name rules, so a Metadata request
// for a name that could never exist answers INVALID_TOPIC_EXCEPTION instead
// of UNKNOWN_TOPIC_OR_PARTITION (which clients retry).
func validTopicName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("topic name is empty: %w", kerr.InvalidTopicException)
	case name == "." || name == "..":
		return fmt.Errorf("topic name %q is not allowed: %w", name, kerr.InvalidTopicException)
	case len(name) > maxTopicNameLength:
		return fmt.Errorf("topic name is %d characters, the limit is %d: %w", len(name), maxTopicNameLength, kerr.InvalidTopicException)
	}
	for _, c := range []byte(name) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return fmt.Errorf("topic name %q has %q; legal characters are ASCII letters, digits, '.', '_' and '-': %w", name, c, kerr.InvalidTopicException)
		}
	}
	return nil
}

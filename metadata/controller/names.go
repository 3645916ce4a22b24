package controller

import "fmt"

// maxTopicNameLength is Kafka's limit: 249, so that the partition
// directory name (topic, '-', partition number) fits in 255 bytes.
const maxTopicNameLength = 249

// validateTopicName applies Kafka's Topic.validate rules and returns the
// message Kafka would send with INVALID_TOPIC_EXCEPTION, or "" if the
// name is legal.
func validateTopicName(name string) string {
	switch {
	case name == "":
		return "Topic name is illegal, it can't be empty"
	case name == "." || name == "..":
		return "Topic name cannot be \".\" or \"..\""
	case len(name) > maxTopicNameLength:
		return fmt.Sprintf("Topic name is illegal, it can't be longer than %d characters, topic name: %s", maxTopicNameLength, name)
	}
	for i := 0; i < len(name); i++ {
		if !legalTopicChar(name[i]) {
			return fmt.Sprintf("Topic name %q is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'", name)
		}
	}
	return ""
}

func legalTopicChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
}

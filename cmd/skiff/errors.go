package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"

	"github.com/twmb/franz-go/pkg/kerr"
)

// kafkaHints say what to do about the Kafka errors an operator meets most.
var kafkaHints = map[int16]string{
	kerr.UnknownTopicOrPartition.Code:      "check the topic name with `skiff topic list`",
	kerr.TopicAlreadyExists.Code:           "pick another name, or `skiff topic delete` the existing topic first",
	kerr.InvalidPartitions.Code:            "the partition count must be at least 1 and can only grow",
	kerr.InvalidReplicationFactor.Code:     "the replication factor cannot exceed the number of brokers (`skiff cluster info` lists them)",
	kerr.InvalidConfig.Code:                "check the config name and value against Kafka's topic configs (e.g. retention.ms=86400000)",
	kerr.InvalidTopicException.Code:        "topic names use only letters, digits, '.', '_' and '-', at most 249 characters",
	kerr.PolicyViolation.Code:              "the broker's policy refused the request; see its log",
	kerr.TopicDeletionDisabled.Code:        "the broker has delete.topic.enable=false",
	kerr.NotController.Code:                "the controller moved; retry",
	kerr.RequestTimedOut.Code:              "the cluster did not answer in time; check that a majority of controllers is up",
	kerr.LeaderNotAvailable.Code:           "a leader election is in progress or all replicas are down; retry shortly",
	kerr.NotEnoughReplicas.Code:            "fewer in-sync replicas than min.insync.replicas; bring brokers back or produce with --acks 1",
	kerr.NotEnoughReplicasAfterAppend.Code: "fewer in-sync replicas than min.insync.replicas; bring brokers back or produce with --acks 1",
	kerr.MessageTooLarge.Code:              "the record exceeds max.message.bytes of the topic",
	kerr.TopicAuthorizationFailed.Code:     "the client's principal may not access this topic",
	kerr.ClusterAuthorizationFailed.Code:   "the client's principal may not perform cluster operations",
	kerr.UnsupportedVersion.Code:           "the broker does not support this request version",
	kerr.ReassignmentInProgress.Code:       "wait for the partition reassignment to finish",
}

// explain turns err into the message the CLI prints: the error, the Kafka
// error code when there is one, and a hint.
func explain(err error, brokers []string) string {
	msg := err.Error()
	var ke *kerr.Error
	if errors.As(err, &ke) {
		msg += fmt.Sprintf(" (Kafka error %s, code %d)", ke.Message, ke.Code)
		if hint, ok := kafkaHints[ke.Code]; ok {
			msg += "\nhint: " + hint
		}
		return msg
	}
	if len(brokers) > 0 && unreachable(err) {
		msg += fmt.Sprintf("\nhint: no broker answered at %s; is `skiff server` running there? "+
			"Set -b/--brokers or SKIFF_BROKERS, and check the server's advertised listeners", strings.Join(brokers, ","))
	}
	return msg
}

// unreachable reports errors that mean the brokers could not be reached.
func unreachable(err error) bool {
	var opErr *net.OpError
	var dnsErr *net.DNSError
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.As(err, &opErr) || errors.As(err, &dnsErr)
}

// withBrokerMessage adds the broker's error message, when it sent one.
func withBrokerMessage(err error, message string) error {
	if err == nil || message == "" {
		return err
	}
	return fmt.Errorf("%w: %s", err, message)
}

package controller

import (
	"slices"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/skiffhq/skiff/metadata/image"
)

// validateManualAssignment checks one partition's requested replicas the
// way Kafka does: non-empty, no repeats, all registered, the same count as
// the topic's other partitions (wantRF, or any if wantRF is 0), and at
// least one replica usable as leader.
func validateManualAssignment(img *image.Image, partition int32, replicas []int32, wantRF int) *apiError {
	if len(replicas) == 0 {
		return errorf(kerr.InvalidReplicaAssignment, "The manual partition assignment includes an empty replica list.")
	}
	usable := 0
	for i, id := range replicas {
		if slices.Contains(replicas[:i], id) {
			return errorf(kerr.InvalidReplicaAssignment, "The manual partition assignment includes the broker %d more than once.", id)
		}
		b, ok := img.Broker(id)
		if !ok {
			return errorf(kerr.InvalidReplicaAssignment, "The manual partition assignment includes broker %d, but no such broker is registered.", id)
		}
		if !b.Fenced && !b.InControlledShutdown {
			usable++
		}
	}
	if wantRF > 0 && len(replicas) != wantRF {
		return errorf(kerr.InvalidReplicaAssignment, "The manual partition assignment includes a partition with %d replica(s), but this is inconsistent with previous partitions, which have %d replica(s).", len(replicas), wantRF)
	}
	if usable == 0 {
		return errorf(kerr.InvalidReplicaAssignment, "All brokers specified in the manual partition assignment for partition %d are fenced or in controlled shutdown.", partition)
	}
	return nil
}

// placeAutomatically places numPartitions new partitions from first with
// rf replicas on usable brokers, or explains why it cannot.
func placeAutomatically(img *image.Image, e *env, first int32, numPartitions, rf int) ([][]int32, *apiError) {
	brokers := usableBrokers(img)
	placed, err := PlaceReplicas(brokers, first, numPartitions, rf, e.rng)
	if err != nil {
		return nil, errorf(kerr.InvalidReplicationFactor, "Unable to replicate the partition %d time(s): %v", rf, err)
	}
	return placed, nil
}

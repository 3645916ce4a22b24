package kafkaapi

import "github.com/twmb/franz-go/pkg/kmsg"

// versionRange is the inclusive range of versions Skiff serves for one API.
type versionRange struct{ min, max int16 }

// served is the single source of truth for what Skiff answers: Supports
// consults it for every request and ApiVersions lists exactly it. An API goes
// in only when every version in its range is fully implemented, because
// librdkafka believes the table and picks the highest common version.
//
// Left out on purpose: Produce v0–v2 and Fetch v0–v3 (message formats v0/v1,
// which Skiff does not store), the group and transaction APIs (they come with
// the consumer-group and transactions issues), and newer versions whose
// semantics Skiff does not implement yet (Produce v12+ and InitProducerId v5+
// are transactions-v2, Fetch v14+ adds replica state and leader discovery,
// ListOffsets v9+ tiered storage, ApiVersions v5 KIP-1242).
var served = map[int16]versionRange{
	int16(kmsg.Produce):                 {3, 11},
	int16(kmsg.Fetch):                   {4, 13},
	int16(kmsg.ListOffsets):             {1, 8},
	int16(kmsg.Metadata):                {0, 12},
	int16(kmsg.ApiVersions):             {0, 4},
	int16(kmsg.CreateTopics):            {0, 7},
	int16(kmsg.DeleteTopics):            {0, 6},
	int16(kmsg.InitProducerID):          {0, 4},
	int16(kmsg.OffsetForLeaderEpoch):    {0, 4},
	int16(kmsg.DescribeConfigs):         {0, 4},
	int16(kmsg.AlterConfigs):            {0, 2},
	int16(kmsg.CreatePartitions):        {0, 3},
	int16(kmsg.IncrementalAlterConfigs): {0, 1},
	int16(kmsg.DescribeCluster):         {0, 1},
}

// Supports reports whether Skiff serves key at version.
func (h *Handler) Supports(key, version int16) bool {
	r, ok := served[key]
	return ok && version >= r.min && version <= r.max
}

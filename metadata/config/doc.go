// Package config is the read-only catalogue of the Kafka configuration keys
// Skiff knows: every topic config (cleanup.policy, retention.ms, ...) and
// the broker configs Skiff uses or accepts (node.id, listeners, log.*, ...),
// each with Kafka's name, type, default and validation rule, and, for topic
// configs, the broker keys that supply the topic default ("synonyms").
//
// Names and defaults are Kafka 4.x's, so a Kafka user needs no new
// vocabulary. Where Skiff's default differs on purpose it is a broker key
// that makes `skiff server` with no flags a working single-node cluster
// (node.id=1, process.roles=broker,controller, listeners on 127.0.0.1,
// log.dir=./skiff-data, ...). Two broker keys are Skiff's own: cluster.id
// and http.listener.
//
// What the package answers:
//   - TopicDef / BrokerDef / TopicDefs / BrokerDefs: the catalogue.
//   - Def.Validate, ValidateTopicConfig, ValidateTopicConfigs,
//     ValidateBrokerConfig: type and range checks. Errors are
//     *InvalidValueError and *UnknownKeyError, both matching
//     ErrInvalidConfig with errors.Is; the API edge maps them to Kafka's
//     INVALID_CONFIG.
//   - DescribeTopic / DescribeBroker: the entries DescribeConfigs returns,
//     with Kafka's sources (DYNAMIC_TOPIC_CONFIG, STATIC_BROKER_CONFIG,
//     DEFAULT_CONFIG) and synonyms.
//   - EffectiveTopic: the typed values a partition runs with.
//
// Resolution of a topic config, highest first: the topic's own override,
// then each broker synonym in Kafka's order (log.retention.ms, then
// log.retention.minutes, then log.retention.hours, converted to ms), then
// the topic default. Skiff has no dynamic broker configs yet, so the broker
// side is only the static configuration the node started with.
//
// Invariants: the tables are built once and never change; nothing here
// holds state, touches files or the network, or knows Kafka error codes.
//
// One departure from Kafka: its DescribeConfigs drops a topic config's
// broker synonyms when the highest-priority synonym is unset (so with only
// log.retention.hours set, retention.ms is reported as DEFAULT_CONFIG).
// Skiff reports the synonym that actually supplied the value.
package config

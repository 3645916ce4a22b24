package config

// Topics is the topic catalogue as one node sees it: the catalogue plus the
// node's static broker configuration, which supplies topic defaults. Its
// methods fit the controller's ConfigValidator and ListConfigSchema
// interfaces, so the node can hand it over as is.
type Topics struct {
	BrokerStatic map[string]string
}

// ValidateTopicConfig is the package function of that name.
func (Topics) ValidateTopicConfig(name string, value *string) error {
	return ValidateTopicConfig(name, value)
}

// TopicConfigList reports whether a topic config is a list (so
// IncrementalAlterConfigs may APPEND to and SUBTRACT from it) and the value
// a topic without an override has: what APPEND extends.
func (t Topics) TopicConfigList(name string) (defaultValue string, isList bool) {
	d, ok := topicDefs[name]
	if !ok || d.Type != TypeList {
		return "", false
	}
	return resolveTopic(d, nil, t.BrokerStatic).value, true
}

// Describe is DescribeTopic for a topic with these overrides.
func (t Topics) Describe(overrides map[string]string) []Entry {
	return DescribeTopic(overrides, t.BrokerStatic)
}

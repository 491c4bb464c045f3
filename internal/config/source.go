package config

// SourceOf returns where key was last set (file and line, or "command
// line" for -s definitions), for messages about settings that are valid
// alone but contradict each other.
func (c *Container) SourceOf(key string) (Source, bool) {
	for i := len(c.Items) - 1; i >= 0; i-- {
		if c.Items[i].Key == key {
			return c.Items[i].Src, true
		}
	}
	return Source{}, false
}

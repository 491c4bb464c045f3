package main

import (
	"fmt"
	"strings"

	"github.com/golxc/golxc/internal/config"
)

// The configuration pages: hand-written text with the key tables of
// internal/config put in place of these markers, so every key the parser
// knows is documented.
const (
	markKeys       = "@KEYS@"
	markLegacy     = "@LEGACY@"
	markSystemKeys = "@SYSTEMKEYS@"
)

var configPages = []struct{ name, section, summary string }{
	{"lxc.container.conf", "5", "LXC container configuration file"},
	{"lxc.system.conf", "5", "LXC system configuration file"},
	{"lxc.conf", "5", "LXC configuration files"},
	{"lxc-usernet", "5", "network interfaces unprivileged users may create"},
	{"lxc-user-nic", "1", "manage network devices of unprivileged containers"},
}

func genConfigPages(dir string) error {
	for _, cp := range configPages {
		md, err := markdownPage(cp.name, cp.section, cp.summary)
		if err != nil {
			return err
		}
		if err := writePage(dir, cp.name, cp.section, md); err != nil {
			return err
		}
	}
	return nil
}

func genSection7(dir string) error {
	md, err := markdownPage("lxc", "7", "linux containers")
	if err != nil {
		return err
	}
	return writePage(dir, "lxc", "7", md)
}

// markdownPage renders a hand-written page, expanding the markers.
func markdownPage(name, section, summary string) (string, error) {
	p, err := loadPage(name + "." + section)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(titleBlock(name, section))
	fmt.Fprintf(&b, "# NAME\n%s - %s\n\n", name, summary)
	for _, s := range p.order {
		text := p.sections[s]
		text = strings.ReplaceAll(text, markKeys, containerKeys())
		text = strings.ReplaceAll(text, markLegacy, legacyKeys())
		text = strings.ReplaceAll(text, markSystemKeys, keyList(config.SystemKeyDocs()))
		fmt.Fprintf(&b, "# %s\n%s\n\n", s, text)
	}
	b.WriteString(versionSection())
	return b.String(), nil
}

// containerKeys lists every container key, one subsection per group.
func containerKeys() string {
	var b strings.Builder
	sec := ""
	var group []config.KeyDoc
	flush := func() {
		if len(group) > 0 {
			fmt.Fprintf(&b, "### %s\n\n%s\n", sec, keyList(group))
		}
		group = nil
	}
	for _, d := range config.KeyDocs() {
		if d.Section != sec {
			flush()
			sec = d.Section
		}
		group = append(group, d)
	}
	flush()
	return b.String()
}

// keyList renders keys as a definition list: the key and its value form,
// what it does, its default, whether it is a list.
func keyList(docs []config.KeyDoc) string {
	var b strings.Builder
	for _, d := range docs {
		fmt.Fprintf(&b, "**%s** = *%s*\n", mdEscape(d.Key), mdEscape(d.Value))
		text := d.Doc
		var facts []string
		if d.Default != "" {
			facts = append(facts, "Default: "+d.Default+".")
		}
		if d.List {
			facts = append(facts, "May be repeated: the values add up; an empty value clears those set before.")
		}
		if len(facts) > 0 {
			text += "\n\n" + strings.Join(facts, " ")
		}
		b.WriteString(definition(mdEscape(text)) + "\n")
	}
	return b.String()
}

func legacyKeys() string {
	var b strings.Builder
	for _, l := range config.LegacyKeys() {
		now := "ignored (it had no effect any more)"
		if l[1] != "" {
			now = "read as **" + mdEscape(l[1]) + "**"
		}
		fmt.Fprintf(&b, "**%s**\n: %s.\n\n", mdEscape(l[0]), now)
	}
	return b.String()
}

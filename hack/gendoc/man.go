package main

import (
	"bufio"
	"embed"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/cpuguy83/go-md2man/v2/md2man"

	"github.com/golxc/golxc/internal/cli"
)

// pages holds the hand-written parts of the man pages: for a tool, the
// sections generation cannot say (DESCRIPTION, EXIT STATUS, EXAMPLES,
// FILES, SEE ALSO, and notes on single options); for the other pages,
// their text around the generated tables.
//
//go:embed pages/*.md
var pages embed.FS

// page is a hand-written page source split into its "# SECTION" parts,
// in file order; option notes ("## --name" inside OPTIONS) are kept apart.
type page struct {
	order    []string
	sections map[string]string
	options  map[string]string // "--daemon" (or "-x" for short-only options) -> text
}

func loadPage(name string) (*page, error) {
	b, err := pages.ReadFile("pages/" + name + ".md")
	if err != nil {
		return nil, fmt.Errorf("no hand-written part for %s (hack/gendoc/pages/%s.md): %w", name, name, err)
	}
	p := &page{sections: map[string]string{}, options: map[string]string{}}
	var sec, opt string
	var buf strings.Builder
	flush := func() {
		text := strings.TrimSpace(buf.String())
		buf.Reset()
		switch {
		case opt != "":
			p.options[opt] = text
		case sec != "":
			p.sections[sec] += text
		}
	}
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "# "):
			flush()
			sec, opt = strings.TrimSpace(line[2:]), ""
			if _, dup := p.sections[sec]; dup {
				return nil, fmt.Errorf("pages/%s.md: section %s twice", name, sec)
			}
			p.sections[sec] = ""
			p.order = append(p.order, sec)
		case strings.HasPrefix(line, "## ") && sec == "OPTIONS":
			flush()
			opt = strings.TrimSpace(line[3:])
		default:
			buf.WriteString(line + "\n")
		}
	}
	flush()
	return p, nil
}

// titleBlock is the page's first line, rendered as roff's .TH: name,
// section, no date (so the page depends only on the tree), the golxc
// build as source, and the manual's name.
func titleBlock(name, section string) string {
	b := cli.Build()
	title := fmt.Sprintf("%s %s \"\" \"golxc %s\" \"golxc manual\"", strings.ToUpper(name), section, b.Version)
	return title + "\n" + strings.Repeat("=", len(title)) + "\n\n"
}

// versionSection ends every page: which build it documents.
func versionSection() string {
	return "# VERSION\n" + mdEscape(cli.Build().String()) + ". Every tool's `--version` prints LXC's version, " +
		cli.Version + "; `golxc --version` and the last line of `--help` name the golxc build.\n"
}

// mdEscape makes plain text safe in Markdown: characters that would start
// emphasis or escape are escaped, except inside `code spans`.
func mdEscape(s string) string {
	var b strings.Builder
	code := false
	for _, r := range s {
		switch {
		case r == '`':
			code = !code
		case !code && (r == '*' || r == '_' || r == '\\' || r == '<'):
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// paragraphs turns text with blank-line-separated paragraphs into
// definition-list entries (": ..." lines) for an option or a key.
func definition(text string) string {
	var b strings.Builder
	for _, para := range strings.Split(strings.TrimSpace(text), "\n\n") {
		para = strings.Join(strings.Fields(para), " ")
		if para != "" {
			b.WriteString(": " + para + "\n")
		}
	}
	return b.String()
}

func writePage(dir, name, section, markdown string) error {
	sub := filepath.Join(dir, "man"+section)
	if err := os.MkdirAll(sub, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(sub, name+"."+section), md2man.Render([]byte(markdown)), 0o644)
}

// sortedKeys returns m's keys, sorted.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func genMan(dir string) error {
	if err := genToolPages(dir); err != nil {
		return err
	}
	if err := genConfigPages(dir); err != nil {
		return err
	}
	return genSection7(dir)
}

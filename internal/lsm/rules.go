package lsm

import (
	"fmt"
	"sort"
	"strings"
)

// AppArmor has no "deny everything below P but these paths" rule. A
// profile that allows writes in general (LXC's "file,") then denies, rule
// by rule, every name that does not start a path to keep: at each level,
// the names whose next character is not one of the kept names' next
// characters, then each kept name's longer neighbours. denyAllBut
// generates those rules for a tree of kept paths below a blocked root,
// with LXC's conventions: a kept name ending in '*' keeps every name with
// that prefix (but nothing below them), "**" keeps a whole subtree.
func denyAllBut(root string, keep []string) []string {
	type node struct {
		name     string
		children []*node
	}
	var top []*node
	child := func(list *[]*node, name string) *node {
		for _, n := range *list {
			if n.name == name {
				return n
			}
		}
		n := &node{name: name}
		*list = append(*list, n)
		return n
	}
	for _, k := range keep {
		list := &top
		for _, part := range strings.Split(strings.Trim(k, "/"), "/") {
			list = &child(list, part).children
		}
	}
	var out []string
	seen := map[string]bool{}
	add := func(r string) {
		r += " wklx,"
		if !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	var walk func(dir string, nodes []*node)
	walk = func(dir string, nodes []*node) {
		for _, n := range nodes {
			for i := range n.name {
				// A trailing '*' (or "**") keeps what follows: no rule
				// for that position.
				if n.name[i:] == "*" || n.name[i:] == "**" {
					break
				}
				// The characters any kept sibling with the same prefix
				// continues with.
				var next []byte
				for _, s := range nodes {
					if i < len(s.name) && s.name[:i] == n.name[:i] && !strings.ContainsRune(string(next), rune(s.name[i])) {
						next = append(next, s.name[i])
					}
				}
				add(fmt.Sprintf("deny %s/%s[^%s]*{,/**}", dir, n.name[:i], next))
			}
			switch {
			case n.name == "**":
			case strings.HasSuffix(n.name, "*"):
				add(fmt.Sprintf("deny %s/%s/**", dir, n.name))
			default:
				add(fmt.Sprintf("deny %s/%s?*{,/**}", dir, n.name))
			}
			if len(n.children) > 0 {
				walk(dir+"/"+n.name, n.children)
			}
		}
	}
	walk(root, top)
	sort.Strings(out)
	return out
}

// Package rootfs builds a container's root filesystem inside its new mount
// namespace, in LXC's order (lxc_setup): stop propagation to the host, bind
// the rootfs, /dev tmpfs, proc/sys automounts, lxc.mount.fstab and
// lxc.mount.entry, mount hooks, /dev nodes, a new devpts instance, console
// and ttys, pivot_root. Every target inside the rootfs is resolved with
// RESOLVE_IN_ROOT semantics and mounted through its file descriptor, so a
// symlink in the container's image can never make a mount land on the host.
package rootfs

import (
	"fmt"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/mountinfo"
	"github.com/golxc/golxc/internal/quote"
)

// MountEntry is one parsed fstab line (lxc.mount.entry or lxc.mount.fstab).
type MountEntry struct {
	Source, Target, FSType string
	Flags                  uintptr // MS_* flags other than propagation
	PropFlags              uintptr // MS_SHARED/SLAVE/PRIVATE/UNBINDABLE (|MS_REC)
	Data                   string  // remaining options for the filesystem
	Optional               bool
	CreateDir, CreateFile  bool
	Relative               bool // source is relative to the rootfs
	// IDMap is LXC's idmap= option: "container" (the container's user
	// namespace) or the path of a user namespace file. Such a bind is made
	// on the host (an idmapped mount needs rights over the source's
	// filesystem that the container lacks) and attached in the rootfs.
	IDMap string
	Raw   string
}

// Bind reports a bind mount.
func (e *MountEntry) Bind() bool { return e.Flags&unix.MS_BIND != 0 }

var mountFlags = map[string]struct {
	clear bool
	flag  uintptr
}{
	"defaults":      {false, 0},
	"ro":            {false, unix.MS_RDONLY},
	"rw":            {true, unix.MS_RDONLY},
	"suid":          {true, unix.MS_NOSUID},
	"nosuid":        {false, unix.MS_NOSUID},
	"dev":           {true, unix.MS_NODEV},
	"nodev":         {false, unix.MS_NODEV},
	"exec":          {true, unix.MS_NOEXEC},
	"noexec":        {false, unix.MS_NOEXEC},
	"sync":          {false, unix.MS_SYNCHRONOUS},
	"async":         {true, unix.MS_SYNCHRONOUS},
	"dirsync":       {false, unix.MS_DIRSYNC},
	"remount":       {false, unix.MS_REMOUNT},
	"mand":          {false, unix.MS_MANDLOCK},
	"nomand":        {true, unix.MS_MANDLOCK},
	"atime":         {true, unix.MS_NOATIME},
	"noatime":       {false, unix.MS_NOATIME},
	"diratime":      {true, unix.MS_NODIRATIME},
	"nodiratime":    {false, unix.MS_NODIRATIME},
	"bind":          {false, unix.MS_BIND},
	"rbind":         {false, unix.MS_BIND | unix.MS_REC},
	"relatime":      {false, unix.MS_RELATIME},
	"norelatime":    {true, unix.MS_RELATIME},
	"strictatime":   {false, unix.MS_STRICTATIME},
	"nostrictatime": {true, unix.MS_STRICTATIME},
	"lazytime":      {false, unix.MS_LAZYTIME},
	"nolazytime":    {true, unix.MS_LAZYTIME},
	"silent":        {false, unix.MS_SILENT},
	"loud":          {true, unix.MS_SILENT},
	"auto":          {false, 0},
	"noauto":        {false, 0},
	"nouser":        {false, 0},
	"user":          {false, 0},
}

var propFlags = map[string]uintptr{
	"shared": unix.MS_SHARED, "rshared": unix.MS_SHARED | unix.MS_REC,
	"slave": unix.MS_SLAVE, "rslave": unix.MS_SLAVE | unix.MS_REC,
	"private": unix.MS_PRIVATE, "rprivate": unix.MS_PRIVATE | unix.MS_REC,
	"unbindable": unix.MS_UNBINDABLE, "runbindable": unix.MS_UNBINDABLE | unix.MS_REC,
}

// ParseOptions splits fstab options into MS_* flags, propagation flags,
// LXC's own options and the data string passed to the filesystem.
func ParseOptions(opts string, e *MountEntry) error {
	var data []string
	for _, o := range strings.Split(opts, ",") {
		o = strings.TrimSpace(o)
		if o == "" {
			continue
		}
		switch {
		case o == "optional":
			e.Optional = true
		case o == "create=dir":
			e.CreateDir = true
		case o == "create=file":
			e.CreateFile = true
		case o == "relative":
			e.Relative = true
		case strings.HasPrefix(o, "create="):
			return fmt.Errorf("invalid option %s (want create=dir or create=file)", quote.Short(o))
		case strings.HasPrefix(o, "idmap="):
			if e.IDMap = strings.TrimPrefix(o, "idmap="); e.IDMap == "" {
				return fmt.Errorf("missing user namespace in %q (want idmap=container or idmap=/path/to/userns)", o)
			}
		default:
			if f, ok := mountFlags[o]; ok {
				if f.clear {
					e.Flags &^= f.flag
				} else {
					e.Flags |= f.flag
				}
				continue
			}
			if p, ok := propFlags[o]; ok {
				e.PropFlags |= p
				continue
			}
			data = append(data, o)
		}
	}
	e.Data = strings.Join(data, ",")
	return nil
}

// ParseMountEntry parses "SRC TARGET FSTYPE OPTIONS [DUMP [PASS]]" with the
// octal escapes fstab uses (\040 for a space).
func ParseMountEntry(line string) (*MountEntry, error) {
	f := strings.Fields(line)
	if len(f) < 3 {
		return nil, fmt.Errorf("invalid mount entry %s: want SOURCE TARGET FSTYPE [OPTIONS]", quote.Short(line))
	}
	e := &MountEntry{Source: mountinfo.Unescape(f[0]), Target: mountinfo.Unescape(f[1]), FSType: f[2], Raw: line}
	opts := "defaults"
	if len(f) > 3 {
		opts = f[3]
	}
	if err := ParseOptions(opts, e); err != nil {
		return nil, fmt.Errorf("mount entry %s: %w", quote.Short(line), err)
	}
	if e.CreateDir && e.CreateFile {
		return nil, fmt.Errorf("mount entry %s: create=dir and create=file together", quote.Short(line))
	}
	if e.IDMap != "" {
		// LXC's rules: only binds can be idmapped, without filesystem
		// options.
		switch {
		case !e.Bind() || e.FSType != "none" && e.FSType != "":
			return nil, fmt.Errorf("mount entry %q: only bind mounts can be idmapped", line)
		case e.Data != "":
			return nil, fmt.Errorf("mount entry %q: an idmapped bind mount takes no filesystem options (%s)", line, e.Data)
		case e.Flags&unix.MS_REMOUNT != 0:
			return nil, fmt.Errorf("mount entry %q: remount and idmap together", line)
		}
	}
	return e, nil
}

package runner

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/config"
	"github.com/golxc/golxc/internal/log"
	"github.com/golxc/golxc/internal/rootfs"
	"github.com/golxc/golxc/internal/stage"
	"github.com/golxc/golxc/internal/storage"
)

// Idmapped bind mounts (lxc.mount.entry = SRC DEST none bind,idmap=container)
// are made by the monitor, on the host: mount_setattr(MOUNT_ATTR_IDMAP)
// needs CAP_SYS_ADMIN over the source's filesystem, which a container in
// a user namespace lacks (LXC's parent process does it for the same
// reason). The monitor clones the source into a detached mount, idmaps it
// with the user namespace named (for "container", one with the
// container's lxc.idmap: an idmapped mount copies the mapping, so it needs
// not be the very namespace the container runs in, which does not exist
// yet when the C stage-2's plan is built), applies the entry's flags, and
// hands the mount to stage-2, which attaches it at the target inside the
// rootfs.

// idmapKey names one mount line: the nth line of lxc.mount.fstab or the
// nth lxc.mount.entry.
func idmapKey(kind string, n int) string { return fmt.Sprintf("%s:%d", kind, n) }

// idmappedMounts makes the detached idmapped mounts of the configuration,
// keyed by idmapKey. An optional entry that cannot be made is skipped
// with a warning; on any other failure nothing stays open.
func idmappedMounts(c *config.Container, lg *log.Logger) (_ map[string]*os.File, err error) {
	type line struct {
		key string
		e   *rootfs.MountEntry
		src string // where the line came from, for messages
	}
	var lines []line
	if c.MountFstab != "" {
		entries, err := readFstab(c.MountFstab)
		if err != nil {
			return nil, err
		}
		for i, e := range entries {
			if e.IDMap != "" {
				lines = append(lines, line{idmapKey("fstab", i), e, "lxc.mount.fstab " + c.MountFstab})
			}
		}
	}
	for i, l := range c.MountEntries {
		if !strings.Contains(l, "idmap=") {
			continue
		}
		e, err := rootfs.ParseMountEntry(l)
		if err != nil {
			continue // reported where the entry is mounted
		}
		where := "lxc.mount.entry"
		if i < len(c.MountEntrySrc) {
			where = c.MountEntrySrc[i].String() + ": lxc.mount.entry"
		}
		if e.IDMap != "" {
			lines = append(lines, line{idmapKey("entry", i), e, where})
		}
	}
	if len(lines) == 0 {
		return nil, nil
	}
	out := map[string]*os.File{}
	defer func() {
		if err != nil {
			for _, f := range out {
				f.Close()
			}
		}
	}()
	var containerNS *os.File
	defer func() {
		if containerNS != nil {
			containerNS.Close()
		}
	}()
	for _, l := range lines {
		userns, err := func() (*os.File, error) {
			if l.e.IDMap != "container" {
				return os.Open(l.e.IDMap)
			}
			if containerNS == nil {
				if len(c.IDMaps) == 0 {
					return nil, errors.New("idmap=container needs lxc.idmap (the container has no user namespace)")
				}
				ns, err := mappedUserNamespace(c.IDMaps)
				if err != nil {
					return nil, err
				}
				containerNS = ns
			}
			return containerNS, nil
		}()
		var f *os.File
		if err == nil {
			f, err = idmappedBind(c, l.e, userns)
			if userns != containerNS {
				userns.Close()
			}
		}
		if err != nil {
			if l.e.Optional {
				lg.Warnf("skipping optional mount entry %q: %v", l.e.Raw, err)
				continue
			}
			return nil, fmt.Errorf("%s %q: %w", l.src, l.e.Raw, err)
		}
		out[l.key] = f
	}
	return out, nil
}

// idmappedBind clones the entry's source into a detached mount and
// idmaps it with userns, with the entry's mount flags and propagation.
func idmappedBind(c *config.Container, e *rootfs.MountEntry, userns *os.File) (*os.File, error) {
	src := e.Source
	if e.Relative {
		s := rootfsSource(c)
		if s.Type != storage.Dir && s.Type != "" {
			return nil, fmt.Errorf("idmap= with relative needs a directory rootfs (this one is %s)", s.Type)
		}
		src = filepath.Join(s.Dir(), filepath.Clean("/"+e.Source))
	}
	flags := unix.OPEN_TREE_CLONE | unix.OPEN_TREE_CLOEXEC
	atFlags := unix.AT_EMPTY_PATH
	if e.Flags&unix.MS_REC != 0 {
		flags |= unix.AT_RECURSIVE
		atFlags |= unix.AT_RECURSIVE
	}
	fd, err := unix.OpenTree(unix.AT_FDCWD, src, uint(flags))
	if err != nil {
		return nil, fmt.Errorf("clone %s: %w", src, err)
	}
	attr := &unix.MountAttr{Attr_set: unix.MOUNT_ATTR_IDMAP, Userns_fd: uint64(userns.Fd())}
	if extra := e.Flags &^ (unix.MS_BIND | unix.MS_REC); extra != 0 {
		set, clr := remountAttrs(extra)
		attr.Attr_set |= set
		attr.Attr_clr |= clr
	}
	if e.PropFlags != 0 {
		attr.Propagation = uint64(e.PropFlags &^ unix.MS_REC)
	}
	if err := unix.MountSetattr(fd, "", uint(atFlags), attr); err != nil {
		unix.Close(fd)
		if errors.Is(err, unix.EINVAL) {
			return nil, fmt.Errorf("idmap %s: %w (the filesystem may not support idmapped mounts)", src, err)
		}
		return nil, fmt.Errorf("idmap %s: %w", src, err)
	}
	return os.NewFile(uintptr(fd), "idmapped "+src), nil
}

const usernsHoldStage = "userns-hold"

func init() { stage.Register(usernsHoldStage, usernsHold) }

// usernsHold is a child that only keeps its user namespace alive until
// its parent closes the channel.
func usernsHold(fd int) {
	io.Copy(io.Discard, os.NewFile(uintptr(fd), "hold"))
	os.Exit(0)
}

// mappedUserNamespace returns a user namespace with maps: a child of ours
// is created in it, its namespace opened, and the child let go.
func mappedUserNamespace(maps []config.IDMap) (*os.File, error) {
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer pw.Close()
	attr := &syscall.SysProcAttr{Cloneflags: unix.CLONE_NEWUSER, GidMappingsEnableSetgroups: true}
	for _, im := range maps {
		m := syscall.SysProcIDMap{ContainerID: int(im.NSID), HostID: int(im.HostID), Size: int(im.Range)}
		if im.Kind == 'u' {
			attr.UidMappings = append(attr.UidMappings, m)
		} else {
			attr.GidMappings = append(attr.GidMappings, m)
		}
	}
	cmd := &exec.Cmd{Path: "/proc/self/exe", Args: []string{"userns-hold"}, Env: stage.Env(usernsHoldStage, 3),
		ExtraFiles: []*os.File{pr}, SysProcAttr: attr}
	err = cmd.Start()
	pr.Close()
	if err != nil {
		return nil, fmt.Errorf("make a user namespace with lxc.idmap: %w", err)
	}
	ns, err := os.Open(fmt.Sprintf("/proc/%d/ns/user", cmd.Process.Pid))
	pw.Close()
	cmd.Wait()
	if err != nil {
		return nil, fmt.Errorf("open the user namespace with lxc.idmap: %w", err)
	}
	return ns, nil
}

func (m *Monitor) closeIdmapped() {
	for _, f := range m.idmapped {
		f.Close()
	}
	m.idmapped = nil
}

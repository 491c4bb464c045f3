// Package userns runs Go code as root of a new user namespace that has a
// container's id maps, which is how a non-root user works on the files of
// their container (LXC's userns_exec_full): its root filesystem belongs
// to the ids the container's root and users are mapped to, which the user
// may not write directly. The maps are written by shadow's setuid
// newuidmap and newgidmap, which allow only the ranges /etc/subuid and
// /etc/subgid give the user.
//
// An operation is a function registered under a name (Register) that takes
// JSON arguments; Run starts our own binary as the "userns" stage in the
// new namespaces, hands it the name and arguments once the maps are
// written, and returns its error. The stage first becomes root of the
// namespace (BecomeRoot) and makes its mounts private to it. Called as
// root, Run just calls the function: root owns every id already.
package userns

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/config"
	"github.com/golxc/golxc/internal/ctl"
	"github.com/golxc/golxc/internal/stage"
)

const stageName = "userns"

// Op is an operation run as root of the namespace; arg is what Run was
// given, JSON-encoded. Its result (nil for none) goes back JSON-encoded.
type Op func(arg json.RawMessage) (any, error)

var (
	mu  sync.Mutex
	ops = map[string]Op{}
)

func init() {
	stage.Register(stageName, stageMain)
}

// Register makes fn runnable by Run under name (call it from an init).
func Register(name string, fn Op) {
	mu.Lock()
	defer mu.Unlock()
	ops[name] = fn
}

func lookup(name string) (Op, error) {
	mu.Lock()
	defer mu.Unlock()
	fn := ops[name]
	if fn == nil {
		return nil, fmt.Errorf("unknown user namespace operation %q", name)
	}
	return fn, nil
}

// request is what the stage receives once its maps are written.
type request struct {
	Op  string          `json:"op"`
	Arg json.RawMessage `json:"arg"`
}

// reply is the stage's answer.
type reply struct {
	Err    string          `json:"err,omitempty"`
	Result json.RawMessage `json:"result,omitempty"`
}

// Needed reports whether working on the files of a container with these
// maps needs a user namespace: it does for a non-root caller of an
// unprivileged container.
func Needed(maps []config.IDMap) bool {
	return len(maps) > 0 && os.Geteuid() != 0
}

// Run runs operation name with arg as root of a new user namespace with
// maps (see FullMaps), or directly when the caller is root, and decodes
// its result into result (unless nil).
func Run(maps []config.IDMap, name string, arg, result any) error {
	fn, err := lookup(name)
	if err != nil {
		return err
	}
	b, err := json.Marshal(arg)
	if err != nil {
		return err
	}
	if os.Geteuid() == 0 {
		res, err := fn(b)
		if err != nil || result == nil || res == nil {
			return err
		}
		rb, err := json.Marshal(res)
		if err != nil {
			return err
		}
		return json.Unmarshal(rb, result)
	}
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("socketpair: %w", err)
	}
	sock := os.NewFile(uintptr(pair[0]), "userns")
	defer sock.Close()
	child := os.NewFile(uintptr(pair[1]), "userns")
	cmd := &exec.Cmd{
		Path:       "/proc/self/exe",
		Args:       []string{os.Args[0]},
		Env:        append(os.Environ(), stage.Env(stageName, 3)...),
		Stderr:     os.Stderr,
		ExtraFiles: []*os.File{child},
		SysProcAttr: &syscall.SysProcAttr{
			Cloneflags: unix.CLONE_NEWUSER | unix.CLONE_NEWNS,
			Pdeathsig:  syscall.SIGKILL,
			// Exec'd before its maps exist, as a user the namespace does
			// not map: the namespace's capabilities survive as ambient
			// ones until BecomeRoot.
			AmbientCaps: AllCapabilities(),
		},
	}
	err = cmd.Start()
	child.Close()
	if err != nil {
		return fmt.Errorf("start a user namespace: %w", err)
	}
	fail := func(err error) error {
		cmd.Process.Kill()
		cmd.Wait()
		return err
	}
	if err := WriteMaps(cmd.Process.Pid, maps); err != nil {
		return fail(err)
	}
	if err := ctl.Send(int(sock.Fd()), request{Op: name, Arg: b}, nil); err != nil {
		return fail(fmt.Errorf("talk to the user namespace: %w", err))
	}
	var r reply
	rerr := ctl.RecvNoFiles(int(sock.Fd()), &r)
	werr := cmd.Wait()
	switch {
	case rerr == nil && r.Err != "":
		return errors.New(r.Err)
	case rerr != nil:
		return fmt.Errorf("the user namespace's %s died: %v", name, werr)
	}
	if result != nil && len(r.Result) > 0 {
		return json.Unmarshal(r.Result, result)
	}
	return nil
}

// stageMain is the process in the new namespaces.
func stageMain(fd int) {
	var req request
	if err := ctl.RecvNoFiles(fd, &req); err != nil {
		os.Exit(1) // the caller gave up and said why
	}
	var r reply
	res, err := func() (any, error) {
		if err := BecomeRoot(); err != nil {
			return nil, err
		}
		// Nothing mounted here (overlay views of a snapshot) may reach
		// the host's mount namespace.
		if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_SLAVE, ""); err != nil {
			return nil, fmt.Errorf("make / a slave: %w", err)
		}
		fn, err := lookup(req.Op)
		if err != nil {
			return nil, err
		}
		return fn(req.Arg)
	}()
	if err == nil && res != nil {
		r.Result, err = json.Marshal(res)
	}
	if err != nil {
		r.Err = err.Error()
	}
	ctl.Send(fd, r, nil)
	os.Exit(0)
}

// BecomeRoot makes a process that was cloned into a new user namespace
// without maps, and exec'd with the namespace's capabilities as ambient
// ones, root of it once its maps exist: gid and uid 0, no supplementary
// group of the user (setgroups is allowed: newgidmap leaves it so), and
// the ambient and inheritable capabilities that carried it through exec
// cleared (root keeps its permitted set).
func BecomeRoot() error {
	if err := unix.Setresgid(0, 0, 0); err != nil {
		return fmt.Errorf("become gid 0 of the user namespace: %w", err)
	}
	if err := unix.Setgroups(nil); err != nil && !errors.Is(err, unix.EPERM) {
		return fmt.Errorf("drop supplementary groups: %w", err)
	}
	if err := unix.Setresuid(0, 0, 0); err != nil {
		return fmt.Errorf("become uid 0 of the user namespace: %w", err)
	}
	if err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0); err != nil {
		return fmt.Errorf("clear ambient capabilities: %w", err)
	}
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return fmt.Errorf("read capabilities: %w", err)
	}
	data[0].Inheritable, data[1].Inheritable = 0, 0
	if err := unix.Capset(&hdr, &data[0]); err != nil {
		return fmt.Errorf("clear inheritable capabilities: %w", err)
	}
	return nil
}

// AllCapabilities lists every capability the running kernel knows.
func AllCapabilities() []uintptr {
	last := 40 // CAP_CHECKPOINT_RESTORE, when the kernel does not say
	if b, err := os.ReadFile("/proc/sys/kernel/cap_last_cap"); err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && n > 0 && n < 64 {
			last = n
		}
	}
	caps := make([]uintptr, 0, last+1)
	for c := 0; c <= last; c++ {
		caps = append(caps, uintptr(c))
	}
	return caps
}

// FullMaps is maps plus the caller's own uid and gid, each mapped to the
// lowest id the container's maps leave free (LXC's userns_exec_full): the
// namespace's root can then reach the user's own files (the lxcpath, the
// config) as well as the container's.
func FullMaps(maps []config.IDMap) []config.IDMap {
	out := append([]config.IDMap(nil), maps...)
	for _, k := range []struct {
		kind byte
		id   uint32
	}{{'u', uint32(os.Geteuid())}, {'g', uint32(os.Getegid())}} {
		mapped := false
		for _, m := range maps {
			if m.Kind == k.kind && k.id >= m.HostID && k.id-m.HostID < m.Range {
				mapped = true
			}
		}
		if !mapped {
			out = append(out, config.IDMap{Kind: k.kind, NSID: freeID(maps, k.kind), HostID: k.id, Range: 1})
		}
	}
	return out
}

// freeID is LXC's find_unmapped_nsid: the lowest id no map of kind uses.
func freeID(maps []config.IDMap, kind byte) uint32 {
	id := uint32(0)
	for changed := true; changed; {
		changed = false
		for _, m := range maps {
			if m.Kind == kind && id >= m.NSID && id-m.NSID < m.Range {
				id = m.NSID + m.Range
				changed = true
			}
		}
	}
	return id
}

// RootIDs returns the host uid and gid the container's root is mapped to
// (-1 when a map is missing).
func RootIDs(maps []config.IDMap) (uid, gid int) {
	uid, gid = -1, -1
	for _, m := range maps {
		if m.NSID == 0 && m.Range > 0 {
			if m.Kind == 'u' && uid < 0 {
				uid = int(m.HostID)
			}
			if m.Kind == 'g' && gid < 0 {
				gid = int(m.HostID)
			}
		}
	}
	return uid, gid
}

// WriteMaps has newuidmap and newgidmap (shadow's setuid helpers, which
// allow only the ranges /etc/subuid and /etc/subgid give the user, and
// the user's own ids) write the id maps of pid's user namespace.
func WriteMaps(pid int, maps []config.IDMap) error {
	for _, kind := range []byte{'u', 'g'} {
		helper, file := "newuidmap", "subuid"
		if kind == 'g' {
			helper, file = "newgidmap", "subgid"
		}
		args := []string{strconv.Itoa(pid)}
		for _, m := range maps {
			if m.Kind == kind {
				args = append(args, strconv.FormatUint(uint64(m.NSID), 10), strconv.FormatUint(uint64(m.HostID), 10), strconv.FormatUint(uint64(m.Range), 10))
			}
		}
		if len(args) == 1 {
			return fmt.Errorf("lxc.idmap has no %cid map: a user's container needs both", kind)
		}
		bin, err := exec.LookPath(helper)
		if err != nil {
			return fmt.Errorf("%s is needed to map a container's ids as a non-root user (Debian: apt install uidmap): %w", helper, err)
		}
		out, err := exec.Command(bin, args...).CombinedOutput()
		if err != nil {
			msg := strings.TrimSpace(string(out))
			if msg == "" {
				msg = err.Error()
			}
			return fmt.Errorf("%s %s failed: %s (lxc.idmap may only use ranges /etc/%s gives user %s)",
				helper, strings.Join(args[1:], " "), msg, file, UserName())
		}
	}
	return nil
}

// UserName is the caller's login name (for messages): its passwd entry,
// else $USER, else the uid.
func UserName() string {
	if u, err := user.LookupId(strconv.Itoa(os.Getuid())); err == nil {
		return u.Username
	}
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return strconv.Itoa(os.Getuid())
}

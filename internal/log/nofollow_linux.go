package log

import "syscall"

const openNoFollow = syscall.O_NOFOLLOW | syscall.O_CLOEXEC

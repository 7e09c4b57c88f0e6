/* floor: the least any owner join over /proc can do -- list every
 * process's fd directory and readlink each entry, counting the links
 * that name a socket.  bench/run.sh adds this to the time of
 * `ss -tuaxmn` (the dumps) as the floor of a join without BPF.
 *   floor [PROC_ROOT]   prints "SOCKET_FDS PROCESSES" */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *root = argc > 1 ? argv[1] : "/proc";
	long socks = 0, procs = 0;
	struct dirent *de, *fe;
	DIR *d = opendir(root), *fd;

	if (!d) {
		perror(root);
		return 1;
	}
	while ((de = readdir(d))) {
		char path[300];
		int dfd;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "%s/fd", de->d_name);
		dfd = openat(dirfd(d), path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0 || !(fd = fdopendir(dfd))) {
			if (dfd >= 0)
				close(dfd);
			continue;
		}
		procs++;
		while ((fe = readdir(fd))) {
			char link[64];
			ssize_t n;

			if (fe->d_name[0] == '.')
				continue;
			n = readlinkat(dfd, fe->d_name, link, sizeof(link));
			if (n > 8 && memcmp(link, "socket:[", 8) == 0)
				socks++;
		}
		closedir(fd);
	}
	closedir(d);
	printf("%ld %ld\n", socks, procs);
	return 0;
}

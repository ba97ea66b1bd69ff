/* main.c - lockyard entry point: subcommand dispatch only. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "version") == 0) {
        printf("lockyard 0.1.0\n");
        return 0;
    }
    fprintf(stderr, "usage: lockyard serve|version\n");
    return 2;
}

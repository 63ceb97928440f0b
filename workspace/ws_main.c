/* ws — the administrator's command (cli.h): its main only. */
#include "cli.h"

int main(int argc, char **argv)
{
	return ws_cli_run(argc, argv, NULL);
}

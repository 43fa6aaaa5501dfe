/* oci: another OCI runtime (runc, crun) run in the container's user namespace (see oci.c). */
#ifndef TSPOD_OCI_H
#define TSPOD_OCI_H

int oci_main (int argc, char **argv);

#endif

/* A C99 program built against an installed libmpq_fw (pkg-config libmpq_fw): the C API's
 * header is found, links, and refuses a blob too short to be one. */
#include <stdio.h>
#include <string.h>

#include "libmpq/runtime/mpq_fw.h"

int main(void) {
  static const uint8_t not_a_blob[8] = {'M', 'P', 'Q', 'M'};
  mpq_fw_memory memory;
  const mpq_fw_status s = mpq_fw_query_memory(not_a_blob, sizeof not_a_blob, &memory);
  printf("libmpq_fw consumer: %s\n", mpq_fw_status_name(s));
  return s == MPQ_FW_TOO_SHORT && strcmp(mpq_fw_status_name(s), "too_short") == 0 ? 0 : 1;
}

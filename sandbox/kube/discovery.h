#pragma once
// The legacy discovery documents kubectl reads before any request (/api, /apis, /apis/GROUP,
// /api/v1 and /apis/GROUP/VERSION), built from the resource types the emulator serves.
#include "kube/api.h"

namespace infra_dod::sandbox::kube {

// /api: the core group's versions, and the address clients are told to use.
json api_versions(int port);
// /apis: every named group.
json api_group_list();
// /apis/GROUP; null when no served type is in the group.
json api_group(const std::string& group);
// /api/v1 or /apis/GROUP/VERSION; null when no served type has that group version.
json api_resource_list(const std::string& group_version);

}  // namespace infra_dod::sandbox::kube

// Emulated kube service: to be written (see issue 3).
#include "service.h"

namespace infra_dod::sandbox {
namespace {

class Stub final : public Service {
 public:
  explicit Stub(Shared& shared) : Service(shared, "kube") {}

 protected:
  void routes(httplib::Server&) override {}
};

}  // namespace

std::unique_ptr<Service> make_kube_service(Shared& shared) { return std::make_unique<Stub>(shared); }

}  // namespace infra_dod::sandbox

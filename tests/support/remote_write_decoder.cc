#include "support/remote_write_decoder.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/message.h>
#include <google/protobuf/unknown_field_set.h>
#include <google/protobuf/util/json_util.h>
#include <snappy.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "support/gunzip.h"

namespace semstreams::metric::testing {
namespace {

namespace pb = google::protobuf;

// What gzip.Writer writes first with no name, mtime or flags set: how the Go
// protobuf registrations begin.
constexpr std::string_view kGzipMagic("\x1f\x8b\x08\x00\x00\x00\x00\x00", 8);
// gogoproto's options are extensions only; without the file they stay
// unknown fields of the options messages, which nothing here reads.
constexpr std::string_view kGogoProto = "gogoproto/gogo.proto";
// Far beyond any .proto file: a bound on what one false gzip start inflates to.
constexpr std::size_t kMaxDescriptorBytes = std::size_t{16} << 20;

// The files the two messages need, and the package each must declare (Go
// binaries hold other files called types.proto).
const std::map<std::string, std::string>& WantedFiles() {
  static const std::map<std::string, std::string> files = {
      {"types.proto", "prometheus"},
      {"remote.proto", "prometheus"},
      {"io/prometheus/write/v2/types.proto", "io.prometheus.write.v2"},
  };
  return files;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw std::runtime_error("cannot read the Prometheus binary " + path);
  const std::streamoff size = in.tellg();
  std::string data(static_cast<std::size_t>(std::max<std::streamoff>(size, 0)), '\0');
  in.seekg(0);
  if (size < 0 || !in.read(data.data(), size)) {
    throw std::runtime_error("reading the Prometheus binary " + path + " failed");
  }
  return data;
}

// One gzip member starting at `from`; false when it is no complete member.

class CollectErrors : public pb::DescriptorPool::ErrorCollector {
 public:
  void AddError(const std::string& filename, const std::string& element_name,
                const pb::Message* /*descriptor*/, ErrorLocation /*location*/,
                const std::string& message) override {
    errors_ << "\n  " << filename << ": " << element_name << ": " << message;
  }
  std::string str() const { return errors_.str(); }

 private:
  std::ostringstream errors_;
};

// Every unknown field in `message` and below, by path: a field number the
// schema lacks, or a known number sent with a wire type it cannot have.
void FindUnknownFields(const pb::Message& message, const std::string& path,
                       std::vector<std::string>& found) {
  const pb::Reflection* reflection = message.GetReflection();
  const pb::UnknownFieldSet& unknown = reflection->GetUnknownFields(message);
  for (int i = 0; i < unknown.field_count(); ++i) {
    found.push_back(path + " (" + message.GetDescriptor()->full_name() + ") field number " +
                    std::to_string(unknown.field(i).number()));
  }
  std::vector<const pb::FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const pb::FieldDescriptor* field : fields) {
    if (field->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (field->is_repeated()) {
      const int size = reflection->FieldSize(message, field);
      for (int i = 0; i < size; ++i) {
        FindUnknownFields(reflection->GetRepeatedMessage(message, field, i),
                          path + "." + field->name() + "[" + std::to_string(i) + "]", found);
      }
    } else {
      FindUnknownFields(reflection->GetMessage(message, field), path + "." + field->name(), found);
    }
  }
}

}  // namespace

struct RemoteWriteDecoder::State {
  std::string binary;
  pb::DescriptorPool pool;
  pb::DynamicMessageFactory factory{&pool};
  std::vector<std::string> files;
};

RemoteWriteDecoder::RemoteWriteDecoder(const std::string& prometheus_binary)
    : state_(std::make_unique<State>()) {
  state_->binary = prometheus_binary;
  const std::string data = ReadFile(prometheus_binary);
  const std::string_view all(data);

  std::map<std::string, pb::FileDescriptorProto> found;
  for (std::size_t at = all.find(kGzipMagic); at != std::string_view::npos;
       at = all.find(kGzipMagic, at + 1)) {
    const auto inflated = testing::Gunzip(all.substr(at), kMaxDescriptorBytes);
    if (!inflated) continue;
    pb::FileDescriptorProto file;
    if (!file.ParseFromString(inflated->bytes)) continue;
    const auto wanted = WantedFiles().find(file.name());
    if (wanted == WantedFiles().end() || wanted->second != file.package()) continue;
    found.emplace(file.name(), std::move(file));  // the first registration wins
  }

  // Without gogo.proto: rebuild the dependency list, and the public and weak
  // dependency indexes into it.
  for (auto& [name, file] : found) {
    std::vector<int> new_index(static_cast<std::size_t>(file.dependency_size()), -1);
    std::vector<std::string> kept;
    for (int i = 0; i < file.dependency_size(); ++i) {
      if (file.dependency(i) == kGogoProto) continue;
      new_index[static_cast<std::size_t>(i)] = static_cast<int>(kept.size());
      kept.push_back(file.dependency(i));
    }
    auto remap = [&new_index](pb::RepeatedField<pb::int32>* indexes) {
      pb::RepeatedField<pb::int32> remapped;
      for (const pb::int32 index : *indexes) {
        const int to = new_index.at(static_cast<std::size_t>(index));
        if (to >= 0) remapped.Add(to);
      }
      indexes->Swap(&remapped);
    };
    remap(file.mutable_public_dependency());
    remap(file.mutable_weak_dependency());
    file.clear_dependency();
    for (std::string& dependency : kept) file.add_dependency(std::move(dependency));
  }

  // Each file after the files it imports; a file whose import is not in the
  // binary is left out, and Decode names what is missing.
  std::set<std::string> built;
  for (bool progress = true; progress;) {
    progress = false;
    for (const auto& [name, file] : found) {
      if (built.count(name) != 0) continue;
      bool ready = true;
      for (const std::string& dependency : file.dependency()) {
        ready = ready && built.count(dependency) != 0;
      }
      if (!ready) continue;
      CollectErrors errors;
      if (state_->pool.BuildFileCollectingErrors(file, &errors) == nullptr) {
        std::string why = name;
        why.append(" from ").append(prometheus_binary).append(" does not build:");
        why.append(errors.str());
        throw std::runtime_error(why);
      }
      built.insert(name);
      state_->files.push_back(name);
      progress = true;
    }
  }
}

RemoteWriteDecoder::~RemoteWriteDecoder() = default;

bool RemoteWriteDecoder::Knows(std::string_view message_type) const {
  return state_->pool.FindMessageTypeByName(std::string(message_type)) != nullptr;
}

const std::vector<std::string>& RemoteWriteDecoder::files() const { return state_->files; }

nlohmann::json RemoteWriteDecoder::Decode(std::string_view message_type,
                                          std::string_view body) const {
  const pb::Descriptor* descriptor = state_->pool.FindMessageTypeByName(std::string(message_type));
  if (descriptor == nullptr) {
    std::string files;
    for (const std::string& file : state_->files) files += (files.empty() ? "" : ", ") + file;
    throw std::runtime_error(state_->binary + " carries no schema of " + std::string(message_type) +
                             " (it has: " + (files.empty() ? "none" : files) +
                             "); Remote-Write 2.0 needs Prometheus 3");
  }
  std::unique_ptr<pb::Message> message(state_->factory.GetPrototype(descriptor)->New());
  if (!message->ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    throw std::runtime_error("the body (" + std::to_string(body.size()) +
                             " bytes) does not parse as " + std::string(message_type));
  }
  std::vector<std::string> unknown;
  FindUnknownFields(*message, descriptor->name(), unknown);
  if (!unknown.empty()) {
    std::string list;
    for (const std::string& field : unknown) list += "\n  " + field;
    throw std::runtime_error("the body carries fields " + std::string(message_type) +
                             "'s schema does not have:" + list);
  }
  pb::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string json;
  const auto status = pb::util::MessageToJsonString(*message, &json, options);
  if (!status.ok()) {
    throw std::runtime_error("printing " + std::string(message_type) +
                             " as JSON failed: " + status.ToString());
  }
  return nlohmann::json::parse(json);
}

std::string SnappyUncompress(std::string_view compressed) {
  std::string raw;
  if (!snappy::Uncompress(compressed.data(), compressed.size(), &raw)) {
    throw std::runtime_error("not a valid snappy (block format) buffer of " +
                             std::to_string(compressed.size()) + " bytes");
  }
  return raw;
}

std::string SnappyCompress(std::string_view raw) {
  std::string compressed;
  snappy::Compress(raw.data(), raw.size(), &compressed);
  return compressed;
}

std::int64_t JsonInt(const nlohmann::json& value) {
  if (value.is_string()) return std::stoll(value.get<std::string>());
  return value.get<std::int64_t>();
}

std::uint64_t JsonUint(const nlohmann::json& value) {
  if (value.is_string()) return std::stoull(value.get<std::string>());
  return value.get<std::uint64_t>();
}

double JsonDouble(const nlohmann::json& value) {
  if (!value.is_string()) return value.get<double>();
  const std::string text = value.get<std::string>();
  if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (text == "Infinity") return std::numeric_limits<double>::infinity();
  if (text == "-Infinity") return -std::numeric_limits<double>::infinity();
  return std::stod(text);
}

}  // namespace semstreams::metric::testing

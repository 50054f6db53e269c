//===- DiskCache.cpp - verified entries of the on-disk kernel cache -------===//
//
// An entry is the code file `<key>.<ext>` and, next to it, `<key>.<ext>.sha256`:
// the SHA-256 of the key and the code. Code is built under a temporary name,
// its hash written, then renamed into place, so a reader sees either no
// entry or a whole one. Before loading, the code is hashed again: a
// truncated or altered file, or another kernel's code under this name, is
// deleted and rebuilt instead of being loaded (dlopen of a damaged shared
// object can crash the process, and a wrong one computes wrong numbers).
// A folder kred cannot write makes the cache memory-only, with one warning.
//
//===----------------------------------------------------------------------===//

#include "RuntimeInternal.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/SHA256.h"
#include "llvm/Support/raw_ostream.h"

#include <mutex>
#include <unistd.h>

using namespace kred;
using namespace kred::runtime;

/// Prints `message` to stderr once per process.
static void warnOnce(const std::string &message) {
  static std::mutex mutex;
  static llvm::StringSet<> printed;
  std::lock_guard<std::mutex> lock(mutex);
  if (printed.insert(message).second)
    llvm::errs() << "kred: warning: " << message << "\n";
}

/// The hash recorded for `code` stored under `key`.
static std::string hashEntry(llvm::StringRef key, llvm::StringRef code) {
  llvm::SHA256 hash;
  hash.update(key);
  hash.update(llvm::StringRef("\0", 1));
  hash.update(code);
  return llvm::toHex(hash.final(), /*LowerCase=*/true);
}

static std::string hashPath(llvm::StringRef codePath) {
  return (codePath + ".sha256").str();
}

std::optional<DiskCacheEntry>
DiskCacheEntry::open(llvm::StringRef directory, llvm::StringRef key,
                     llvm::StringRef extension) {
  if (directory.empty())
    return std::nullopt;
  llvm::sys::fs::create_directories(directory);
  llvm::sys::fs::file_status status;
  if (llvm::sys::fs::status(directory, status) ||
      !llvm::sys::fs::is_directory(status) ||
      access(directory.str().c_str(), W_OK | X_OK) != 0) {
    warnOnce("the kernel cache folder '" + directory.str() +
             "' cannot be used (not a writable folder); kernels are kept in "
             "memory only (set KRED_CACHE_DIR to a writable folder)");
    return std::nullopt;
  }
  DiskCacheEntry entry;
  entry.key = key.str();
  llvm::SmallString<256> path(directory);
  llvm::sys::path::append(path, key + "." + extension);
  entry.codePath = path.str().str();
  if (llvm::sys::fs::exists(entry.codePath) &&
      !llvm::sys::fs::is_regular_file(entry.codePath)) {
    warnOnce("the kernel cache entry '" + entry.codePath +
             "' is not a file; this kernel is kept in memory only");
    return std::nullopt;
  }
  return entry;
}

bool DiskCacheEntry::verify() const {
  if (!llvm::sys::fs::exists(codePath))
    return false;
  auto code = llvm::MemoryBuffer::getFile(codePath, /*IsText=*/false,
                                          /*RequiresNullTerminator=*/false);
  auto recorded = llvm::MemoryBuffer::getFile(hashPath(codePath));
  if (code && recorded &&
      (*recorded)->getBuffer().trim() == hashEntry(key, (*code)->getBuffer()))
    return true;
  if (isVerbose())
    llvm::errs() << "kred: the kernel cache entry " << codePath
                 << " is damaged or incomplete; recompiling it\n";
  remove();
  return false;
}

void DiskCacheEntry::remove() const {
  llvm::sys::fs::remove(codePath);
  llvm::sys::fs::remove(hashPath(codePath));
}

llvm::Error DiskCacheEntry::store(
    llvm::function_ref<llvm::Error(llvm::StringRef)> build) const {
  llvm::SmallString<256> temporary;
  int fd;
  if (std::error_code ec = llvm::sys::fs::createUniqueFile(
          codePath + ".%%%%%%%%.build", fd, temporary))
    return llvm::createStringError("cannot create a file in the kernel cache: " +
                                   ec.message());
  ::close(fd);
  auto cleanup = [&] { llvm::sys::fs::remove(temporary); };
  if (llvm::Error err = build(temporary)) {
    cleanup();
    return err;
  }
  auto code = llvm::MemoryBuffer::getFile(temporary, /*IsText=*/false,
                                          /*RequiresNullTerminator=*/false);
  if (!code) {
    cleanup();
    return llvm::createStringError("cannot read the kernel just built: " +
                                   code.getError().message());
  }
  if (llvm::Error err = writeFileAtomically(
          hashPath(codePath), hashEntry(key, (*code)->getBuffer()))) {
    cleanup();
    return err;
  }
  if (std::error_code ec = llvm::sys::fs::rename(temporary, codePath)) {
    cleanup();
    return llvm::createStringError("cannot move the kernel into " + codePath +
                                   ": " + ec.message());
  }
  return llvm::Error::success();
}

bool runtime::isVerbose() {
  std::optional<std::string> v = llvm::sys::Process::GetEnv("KRED_VERBOSE");
  return v && !v->empty() && *v != "0";
}

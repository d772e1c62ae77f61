#pragma once
// The text of a fixed set: each `enum class` whose values leave the program (rows, JSON,
// CSV, the database) keeps one table of names indexed by its values. Data coming in is
// parsed with the table where it enters, and an unknown name is refused there with the
// list of names that would do; inside, the enum is what travels.

#include <array>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace loaxa {

template <class E, std::size_t N>
struct Names {
  std::array<std::string_view, N> names;

  constexpr std::string_view operator()(E value) const {
    return names[static_cast<std::size_t>(value)];
  }
  constexpr std::optional<E> parse(std::string_view text) const {
    for (std::size_t i = 0; i < N; ++i) {
      if (names[i] == text) return static_cast<E>(i);
    }
    return std::nullopt;
  }
  // The value named `text`, or std::invalid_argument naming the field and what would do.
  E at(std::string_view text, std::string_view field) const {
    if (auto value = parse(text)) return *value;
    throw std::invalid_argument("\"" + std::string(field) + "\" is \"" + std::string(text) +
                                "\": use " + one_of());
  }
  // "a, b or c": for messages that say what would have been accepted.
  std::string one_of() const {
    std::string out;
    for (std::size_t i = 0; i < N; ++i) {
      if (i > 0) out += i + 1 == N ? " or " : ", ";
      out += names[i];
    }
    return out;
  }
};

}  // namespace loaxa

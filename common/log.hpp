#pragma once
// Log lines on stderr with journald priority prefixes ("<6>player: ...").

#include <string_view>

namespace loaxa::log {

void error(std::string_view component, std::string_view message);    // <3>
void warning(std::string_view component, std::string_view message);  // <4>
void notice(std::string_view component, std::string_view message);   // <5>
void info(std::string_view component, std::string_view message);     // <6>

}  // namespace loaxa::log

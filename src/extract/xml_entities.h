// The one rule both XML readers (xml_extractor.cc, office_extractor.cc) follow for entities.
#pragma once

#include <libxml/entities.h>
#include <libxml/tree.h>

namespace sluice::extract::internal {

// An empty entity libxml2 takes as predefined. A SAX handler whose getEntity returns it for every
// name makes each reference (other than &amp; &lt; &gt; &quot; &apos;, which libxml2 resolves
// itself) expand to nothing, unchecked: an entity bomb costs nothing, an external entity is never
// fetched, and a reference to an undeclared entity does not stop the parse. Must outlive the
// parser it is handed to.
class EmptyEntity {
 public:
  EmptyEntity() {
    entity_.type = XML_ENTITY_DECL;
    entity_.etype = XML_INTERNAL_PREDEFINED_ENTITY;
    entity_.name = reinterpret_cast<const xmlChar*>("sluice-empty");
    entity_.content = content_;
    entity_.orig = content_;
  }
  EmptyEntity(const EmptyEntity&) = delete;
  EmptyEntity& operator=(const EmptyEntity&) = delete;

  xmlEntityPtr get() { return &entity_; }

 private:
  xmlChar content_[1] = {0};
  xmlEntity entity_{};
};

}  // namespace sluice::extract::internal

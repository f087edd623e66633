package org.drmsbatch.drms;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.drmsbatch.drms.time.Slot;

/**
 * What the record store derives once per series definition: keyword positions, the constant values, the slot
 * calculators of slotted keywords and the table's column list.
 */
final class SeriesLayout {

    final SeriesDefinition def;
    final Map<String, Integer> keywordIndex = new HashMap<>();
    final Object[] defaults;
    /** slotted keyword position -> its _index keyword position */
    final Map<Integer, Integer> slotIndexOf = new HashMap<>();
    final Map<Integer, Slot> slots = new HashMap<>();
    final List<Integer> columnKeywords = new ArrayList<>();
    final List<String> columns = new ArrayList<>();
    /** Whether the series has links, and its number of segments: asked for every record read. */
    final boolean hasLinks;
    final int segmentCount;

    SeriesLayout(SeriesDefinition def) {
        this.def = def;
        this.hasLinks = !def.links().isEmpty();
        this.segmentCount = def.segments().size();
        List<KeywordDef> kws = def.keywords();
        defaults = new Object[kws.size()];
        for (int i = 0; i < kws.size(); i++) {
            KeywordDef k = kws.get(i);
            keywordIndex.put(k.name().toLowerCase(Locale.ROOT), i);
            if (!k.isLink()) {
                Converted c = KeywordValues.parse(k.defaultValue(), k.type());
                defaults[i] = c.value();
            }
        }
        for (int i = 0; i < kws.size(); i++) {
            KeywordDef k = kws.get(i);
            if (k.isSlotted()) {
                Integer idx = keywordIndex.get((k.name() + "_index").toLowerCase(Locale.ROOT));
                if (idx != null) {
                    slotIndexOf.put(i, idx);
                    Slot slot = Slots.of(def, k);
                    slots.put(i, slot);
                    // a record that never sets the slotted keyword keeps its default, and the index in step
                    if (!k.type().isMissing(defaults[i])) {
                        defaults[idx] = slot.index(((Number) defaults[i]).doubleValue());
                    }
                }
            }
        }
        columns.add("recnum");
        columns.add("sunum");
        columns.add("slotnum");
        columns.add("sessionid");
        columns.add("sessionns");
        for (int i = 0; i < kws.size(); i++) {
            if (kws.get(i).isColumn()) {
                columnKeywords.add(i);
            }
        }
    }

    Integer indexOf(String keyword) {
        return keywordIndex.get(keyword.toLowerCase(Locale.ROOT));
    }
}
